# cmdtable.pxi — name → C implementation, for the command table the Python
# layer builds from fastcache/commanddefs.py at startup.  Every command the core
# serves in C is listed here, once.

cproc("get", cmd_get)
cproc("set", cmd_set)
cproc("del", cmd_del)
cproc("unlink", cmd_unlink)
cproc("exists", cmd_exists)
cproc("ping", cmd_ping)
cproc("echo", cmd_echo)
cproc("select", cmd_select)
cproc("quit", cmd_quit)
cproc("dbsize", cmd_dbsize)
cproc("flushdb", cmd_flushdb)
cproc("flushall", cmd_flushall)
# admin family
cproc("swapdb", cmd_swapdb)
cproc("memory|usage", cmd_memory_usage)

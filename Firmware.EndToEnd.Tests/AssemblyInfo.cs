// Two test classes at a time (LocalIotCore and mosquitto): each starts several processes, and this machine has two cores.
[assembly: Parallelize(Workers = 2, Scope = ExecutionScope.ClassLevel)]

Console.WriteLine("LocalIotCore: not yet implemented");
return 0;

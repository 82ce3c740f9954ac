Console.WriteLine("DeviceFirmware: not yet implemented");
return 0;

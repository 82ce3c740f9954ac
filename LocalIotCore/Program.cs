using LocalIotCore.Certificates;

if (args.Length > 0 && args[0] == "mint-device-cert")
{
    return CertificateCommands.MintDeviceCertificate(args[1..], Console.Out);
}

Console.Error.WriteLine("LocalIotCore: the broker, shadow service and HTTP API are not built yet.");
Console.Error.WriteLine("Available now: mint-device-cert <thing> [--out DIR] [--data-dir DIR]");
return 2;

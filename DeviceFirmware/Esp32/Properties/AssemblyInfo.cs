using System.Reflection;
using DeviceFirmware.Core;

// nanoFramework projects carry their assembly attributes in source (the project system generates none).
[assembly: AssemblyTitle("DeviceFirmware.Esp32")]
[assembly: AssemblyDescription("The device firmware on an ESP32 with .NET nanoFramework: a host of the portable core.")]
[assembly: AssemblyProduct("DeviceFirmware")]
[assembly: AssemblyVersion(FirmwareRelease.Version + ".0")]

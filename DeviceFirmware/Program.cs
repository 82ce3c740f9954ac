using DeviceFirmware.Hosting;

return await FirmwareHost.RunAsync(args).ConfigureAwait(false);

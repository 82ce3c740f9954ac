using Firmware.EndToEnd.Soak;

return await SoakRun.MainAsync(args).ConfigureAwait(false);

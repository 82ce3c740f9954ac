using System;

namespace DeviceFirmware.Core.Bme280;

/// <summary>
/// One I2C device at one address, as the register-level drivers of the core see it: write one
/// register, burst-read consecutive registers. Each host adapts its own I2C type (System.Device.I2c's
/// <c>I2cDevice</c> on the Pi, nanoFramework's <c>I2cDevice</c> on the ESP32, whose transfers return an
/// <c>I2cTransferResult</c> instead of throwing) — nanoFramework's is a sealed class over natives, so
/// neither a simulator nor the driver can build on it directly.
/// Contract: never throws for a bus fault (the result says what happened); called from one thread at a time.
/// </summary>
public interface IRegisterBus : IDisposable
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="register"/> (one I2C write of address byte and data byte).</summary>
    BusResult WriteRegister(byte register, byte value);

    /// <summary>
    /// Reads <paramref name="count"/> consecutive registers from <paramref name="register"/> into
    /// <paramref name="buffer"/> at <paramref name="offset"/> (an I2C write of the register address, then a read).
    /// </summary>
    BusResult ReadRegisters(byte register, byte[] buffer, int offset, int count);

    /// <summary>What the last failed transfer reported, when the host knows more than the result
    /// (e.g. the operating system's error text); null otherwise.</summary>
    string? LastFailure { get; }
}

/// <summary>Opens the <see cref="IRegisterBus"/> for an I2C address (the driver probes several).</summary>
public interface IRegisterBusProvider
{
    /// <summary>
    /// The device at <paramref name="address"/>, or null when the bus itself cannot be opened; then
    /// <paramref name="failure"/> says why in words for the user (it becomes the "missing" status).
    /// Opening does not talk to the device: a device that is not there shows as a failed transfer.
    /// </summary>
    IRegisterBus? Open(int address, out string? failure);
}

/// <summary>The outcome of one transfer; the names follow nanoFramework's <c>I2cTransferStatus</c>.</summary>
public enum BusResult
{
    /// <summary>Every byte was transferred.</summary>
    Ok,

    /// <summary>No device acknowledged the address.</summary>
    NoAcknowledge,

    /// <summary>The device stopped acknowledging before all bytes were transferred.</summary>
    PartialTransfer,

    /// <summary>The clock line was held low for too long.</summary>
    ClockStretchTimeout,

    /// <summary>Any other failure (an I/O error the host could not classify).</summary>
    Error,
}

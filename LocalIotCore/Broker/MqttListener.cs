using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Server;

namespace LocalIotCore.Broker;

/// <summary>Deadlines and sizes every MQTT connection is held to, as AWS IoT Core holds them.</summary>
public sealed class ListenerLimits
{
    /// <summary>AWS IoT Core's message size limit ("AWS IoT Core message broker quotas": 128 KB).</summary>
    public const int MaximumPayloadBytes = 128 * 1024;

    /// <summary>
    /// The largest packet read at all: a 128 KB payload plus room for its topic (AWS allows 256 bytes),
    /// packet id, length fields and MQTT 5 properties. Anything longer is refused at its length field,
    /// before its body is read.
    /// </summary>
    public const int MaximumPacketBytes = MaximumPayloadBytes + 4 * 1024;

    public static readonly TimeSpan DefaultHandshakeDeadline = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan DefaultConnectDeadline = TimeSpan.FromSeconds(10);

    /// <summary>From accepting a TLS connection to a complete TLS handshake.</summary>
    public TimeSpan HandshakeDeadline { get; set; } = DefaultHandshakeDeadline;

    /// <summary>From accepting a connection (after the TLS handshake) to a complete CONNECT packet.</summary>
    public TimeSpan ConnectDeadline { get; set; } = DefaultConnectDeadline;
}

/// <summary>
/// LocalIotCore's own TCP listeners for MQTTnet's server, instead of MQTTnet's: each port on every
/// address it is given (loopback = 127.0.0.1 and ::1), a TLS handshake deadline, a CONNECT deadline,
/// every client's bytes checked by an <see cref="MqttFrameInspector"/> before MQTTnet reads them, and a
/// (rate-limited) log line for each refusal. MQTTnet 5's own listener has no handshake deadline, binds
/// IPv6 to any address unless told otherwise and logs nothing without a logger.
/// </summary>
internal sealed class MqttListener : IMqttServerAdapter
{
    /// <summary>Where the plain (unauthenticated) port binds, whatever the TLS port's addresses: loopback only.</summary>
    public static readonly IReadOnlyList<IPAddress> Loopback = [IPAddress.Loopback, IPAddress.IPv6Loopback];

    private readonly IReadOnlyList<IPAddress> _addresses;
    private readonly int? _requestedTlsPort;
    private readonly int? _requestedPlainPort;
    private readonly X509Certificate2 _serverCertificate;
    private readonly RemoteCertificateValidationCallback _validateClient;
    private readonly ListenerLimits _limits;
    private readonly RefusalLog _refusals;
    private readonly TimeProvider _time;
    private readonly List<Socket> _sockets = [];
    private readonly CancellationTokenSource _stop = new();
    private MqttServerOptions? _options;
    private IMqttNetLogger _logger = MqttNetNullLogger.Instance;
    private int _stopped;

    public MqttListener(IReadOnlyList<IPAddress> addresses, int? tlsPort, int? plainPort, X509Certificate2 serverCertificate, RemoteCertificateValidationCallback validateClient, ListenerLimits limits, RefusalLog refusals, TimeProvider time)
    {
        _addresses = addresses;
        _requestedTlsPort = tlsPort;
        _requestedPlainPort = plainPort;
        _serverCertificate = serverCertificate;
        _validateClient = validateClient;
        _limits = limits;
        _refusals = refusals;
        _time = time;
    }

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public int TlsPort { get; private set; }

    public int? PlainPort { get; private set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? MqttNetNullLogger.Instance;
        if (_requestedTlsPort is int tls)
        {
            TlsPort = Listen(tls, isTls: true, _addresses);
        }

        if (_requestedPlainPort is int plain)
        {
            // No certificate, no policy: never reachable from another host, even with a LAN bind address.
            PlainPort = Listen(plain, isTls: false, Loopback);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return Task.CompletedTask;
        }

        _stop.Cancel();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            _sockets.Clear();
        }

        return Task.CompletedTask;
    }

    public void Dispose() => StopAsync().GetAwaiter().GetResult();

    /// <summary>Binds the port on every address (port 0: one free port, the same on each) and starts accepting.</summary>
    private int Listen(int requestedPort, bool isTls, IReadOnlyList<IPAddress> addresses)
    {
        for (var attempt = 0; ; attempt++)
        {
            var bound = new List<Socket>();
            var port = requestedPort;
            try
            {
                foreach (var address in addresses)
                {
                    if (address.AddressFamily == AddressFamily.InterNetworkV6 && !Socket.OSSupportsIPv6)
                    {
                        continue;
                    }

                    var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    try
                    {
                        if (address.AddressFamily == AddressFamily.InterNetworkV6)
                        {
                            socket.DualMode = false; // [::1] only; 127.0.0.1 has its own socket.
                        }

                        socket.Bind(new IPEndPoint(address, port));
                        socket.Listen(100);
                    }
                    catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported && address.Equals(IPAddress.IPv6Loopback))
                    {
                        socket.Dispose();
                        continue; // A host without IPv6 loopback: 127.0.0.1 alone.
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }

                    bound.Add(socket);
                    port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && requestedPort == 0 && bound.Count > 0 && attempt < 10)
            {
                // The free port of the first address is taken on another one: try another port.
                foreach (var socket in bound)
                {
                    socket.Dispose();
                }

                continue;
            }

            lock (_sockets)
            {
                _sockets.AddRange(bound);
            }

            foreach (var socket in bound)
            {
                _ = Task.Run(() => AcceptAsync(socket, isTls));
            }

            return port;
        }
    }

    private async Task AcceptAsync(Socket listener, bool isTls)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // A connection reset before it was accepted.
            }

            _ = Task.Run(() => ServeAsync(client, isTls));
        }
    }

    private async Task ServeAsync(Socket socket, bool isTls)
    {
        var remote = socket.RemoteEndPoint;
        var local = socket.LocalEndPoint;
        var who = remote?.ToString() ?? "a client";
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            socket.NoDelay = true;
            X509Certificate2? clientCertificate = null;
            if (isTls)
            {
                var secured = await HandshakeAsync(socket, stream, who).ConfigureAwait(false);
                if (secured is null)
                {
                    return;
                }

                stream = secured;
                if (secured.RemoteCertificate is { } certificate)
                {
                    clientCertificate = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                }
            }

            var inspector = new MqttFrameInspector(ListenerLimits.MaximumPacketBytes);
            using var connectDeadline = new CancellationTokenSource(_limits.ConnectDeadline, _time);
            using var onDeadline = connectDeadline.Token.Register(() =>
            {
                if (inspector.CompletePackets == 0)
                {
                    _refusals.Refused(RefusalKind.ConnectDeadline, who + " sent no CONNECT within " + _limits.ConnectDeadline.TotalSeconds + " s; connection closed");
                    socket.Dispose();
                }
            });
            var handler = ClientHandler;
            if (handler is null)
            {
                return;
            }

            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(_options!.WriterBufferSize, _options.WriterBufferSizeMax));
            var activity = new ConnectionActivity(_time);
            var channel = new InspectedChannel(stream, local, remote, clientCertificate, isTls, inspector, refused => _refusals.Refused(refused.Kind, who + (isTls ? " (TLS port)" : " (plain port)") + ": " + refused.Message + "; connection closed"), activity);
            using var adapter = new LoggedChannelAdapter(new MqttChannelAdapter(channel, formatter, _logger), who, _refusals, activity);
            await handler(adapter).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The connection ended; refusals were logged where they were found.
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The TLS handshake within its deadline; null (and a log line) when it fails.</summary>
    private async Task<SslStream?> HandshakeAsync(Socket socket, Stream stream, string who)
    {
        using var deadline = new CancellationTokenSource(_limits.HandshakeDeadline, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _stop.Token);
        try
        {
            // A TLS connection starts with a handshake record (content type 22); anything else is
            // plaintext, most likely an MQTT CONNECT (0x10) sent to the wrong port.
            var first = new byte[1];
            if (await socket.ReceiveAsync(first, SocketFlags.Peek, linked.Token).ConfigureAwait(false) == 0)
            {
                return null;
            }

            if (first[0] != 0x16)
            {
                _refusals.Refused(RefusalKind.PlaintextOnTlsPort, who + " sent plaintext (first byte 0x" + first[0].ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + (first[0] == 0x10 ? ", an MQTT CONNECT" : "") + ") to the TLS port; connection closed");
                return null;
            }

            var secured = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                await secured.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificate = _serverCertificate,
                        ClientCertificateRequired = true,
                        RemoteCertificateValidationCallback = _validateClient,
                        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        EncryptionPolicy = EncryptionPolicy.RequireEncryption,
                    },
                    linked.Token).ConfigureAwait(false);
                return secured;
            }
            catch
            {
                await secured.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !_stop.IsCancellationRequested)
        {
            _refusals.Refused(RefusalKind.HandshakeDeadline, who + " did not complete a TLS handshake within " + _limits.HandshakeDeadline.TotalSeconds + " s; connection closed");
            return null;
        }
        catch (AuthenticationException ex)
        {
            _refusals.Refused(RefusalKind.TlsHandshake, who + ": TLS handshake failed (" + Describe(ex) + "); connection closed");
            return null;
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            _refusals.Refused(RefusalKind.TlsHandshake, who + ": TLS handshake broke off (" + Describe(ex) + "); connection closed");
            return null;
        }
    }

    private static string Describe(Exception ex) => ex.InnerException is { } inner ? ex.Message + " " + inner.Message : ex.Message;
}

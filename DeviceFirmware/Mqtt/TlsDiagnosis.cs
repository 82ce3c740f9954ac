using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace DeviceFirmware.Mqtt;

/// <summary>
/// Turns connect failures into sentences an operator can act on. Pure: it looks at the
/// exception chain, the certificates and the clock reading it is given.
/// </summary>
public static class TlsDiagnosis
{
    /// <summary>Explains why the device's own certificate cannot be used now, or returns null.</summary>
    public static string? CheckDeviceCertificate(X509Certificate2 device, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(device);
        var notBefore = new DateTimeOffset(device.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(device.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (now < notBefore)
        {
            return "The device certificate is not valid yet: the system clock reads " + Format(now) +
                ", before the certificate's validity start " + Format(notBefore) +
                ". The clock is probably wrong — on a Raspberry Pi without a real-time clock this is the usual cause; check NTP (timedatectl status).";
        }

        if (now > notAfter)
        {
            return "The device certificate expired on " + Format(notAfter) + " (the clock reads " + Format(now) +
                "). Create and register a new certificate (see certs/README.md).";
        }

        return null;
    }

    /// <summary>Explains a failed connect attempt. <paramref name="serverCertificateProblem"/> is what
    /// the server-certificate check found, if it refused the broker.</summary>
    public static string Explain(Exception error, string endpoint, int port, TimeSpan timeout, string? serverCertificateProblem, bool mutualTls = true)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (serverCertificateProblem is not null)
        {
            return "The broker at " + endpoint + ":" + port + " presented a certificate this device does not trust: " + serverCertificateProblem;
        }

        if (ClosedByPeer(error) && !mutualTls)
        {
            return "The broker at " + endpoint + ":" + port + " closed the connection before accepting it.";
        }

        if (ClosedByPeer(error))
        {
            // With TLS 1.3 the broker checks the client certificate after the client's side of the
            // handshake is done; a refusal then shows up as the connection closing or resetting.
            return "The broker at " + endpoint + ":" + port + " closed the connection before accepting it — with mutual TLS this usually means it refused the device certificate (not registered, not active, or signed by a CA it does not trust), or its policy refused the client id.";
        }

        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException socket when socket.SocketErrorCode == SocketError.ConnectionRefused:
                    return "Nothing accepts connections at " + endpoint + ":" + port + " (connection refused). Is the broker running and the port right?";
                case SocketException socket when socket.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain:
                    return "The broker's host name '" + endpoint + "' cannot be resolved (DNS). Check Mqtt:Endpoint and the network.";
                case SocketException socket when socket.SocketErrorCode is SocketError.NetworkUnreachable or SocketError.HostUnreachable:
                    return "The network cannot reach " + endpoint + ":" + port + " (" + socket.SocketErrorCode + ").";
                case SocketException socket when socket.SocketErrorCode is SocketError.TimedOut:
                    return "No answer from " + endpoint + ":" + port + " (TCP connect timed out).";
                case AuthenticationException:
                    return "The TLS handshake with " + endpoint + ":" + port + " failed: " + e.Message +
                        " — the broker probably refused the device certificate (not registered, not active, or signed by a CA it does not trust).";
                case OperationCanceledException or TimeoutException or MQTTnet.Exceptions.MqttCommunicationTimedOutException:
                    return "No connection to " + endpoint + ":" + port + " within " + timeout.TotalSeconds + " s (connect timeout).";
                case MQTTnet.Adapter.MqttConnectingFailedException refused:
                    // MQTTnet 5 names the CONNACK result code in the message, e.g. "(NotAuthorized)".
                    return "The broker refused the connection: " + refused.Message +
                        (refused.Message.Contains("NotAuthorized", StringComparison.Ordinal) || refused.Message.Contains("ClientIdentifierNotValid", StringComparison.Ordinal)
                            ? " Its policy may not allow this client id or certificate (AWS: the client id must be the thing name the policy allows)."
                            : "");
            }
        }

        return "Connecting to " + endpoint + ":" + port + " failed: " + Innermost(error).Message;
    }

    /// <summary>Explains a CONNACK that refused the connection.</summary>
    public static string ExplainRefusal(string resultCode, string endpoint, int port, string clientId) =>
        "The broker at " + endpoint + ":" + port + " refused the connection: " + resultCode +
        (resultCode is "NotAuthorized" or "ClientIdentifierNotValid" or "BadUserNameOrPassword"
            ? ". Its policy may not allow client id '" + clientId + "' with this certificate (AWS: the client id must be the thing name the certificate is attached to)."
            : ".");

    /// <summary>Validates the broker's certificate against the configured root CA only (not the
    /// system store). Returns null when trusted, or why not.</summary>
    public static string? CheckServerCertificate(X509Certificate2 server, X509Certificate2 rootCa, SslPolicyErrors policyErrors, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(rootCa);
        if ((policyErrors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return "its name does not match the host name the device connected to (" + server.Subject + ").";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(rootCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        if (chain.Build(server))
        {
            return null;
        }

        var reasons = new List<string>();
        foreach (var status in chain.ChainStatus)
        {
            switch (status.Status)
            {
                case X509ChainStatusFlags.UntrustedRoot:
                case X509ChainStatusFlags.PartialChain:
                    reasons.Add("it is not signed by the configured root CA (" + rootCa.Subject + ") — check Mqtt:RootCaPath and Mqtt:Endpoint");
                    break;
                case X509ChainStatusFlags.NotTimeValid:
                    var notBefore = new DateTimeOffset(server.NotBefore.ToUniversalTime(), TimeSpan.Zero);
                    reasons.Add(now < notBefore
                        ? "it is not valid yet at " + Format(now) + " — the system clock is probably wrong (on a Raspberry Pi without a real-time clock this is the usual cause; check NTP)"
                        : "it has expired");
                    break;
                default:
                    reasons.Add(status.StatusInformation.Trim());
                    break;
            }
        }

        return string.Join("; ", reasons) + ".";
    }

    /// <summary>The peer closed or reset an established TCP connection (not: nothing listening, DNS, timeout).</summary>
    private static bool ClosedByPeer(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException socket when socket.SocketErrorCode is SocketError.ConnectionReset or SocketError.NotConnected or SocketError.ConnectionAborted or SocketError.Shutdown:
                case IOException io when io.Message.Contains("handshake", StringComparison.OrdinalIgnoreCase):
                case MQTTnet.Exceptions.MqttCommunicationException communication when communication.Message.Contains("closed", StringComparison.OrdinalIgnoreCase):
                    return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception error)
    {
        var e = error;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}

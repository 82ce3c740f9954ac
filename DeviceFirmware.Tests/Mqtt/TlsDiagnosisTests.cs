using System.Net.Sockets;
using DeviceFirmware.Mqtt;

namespace DeviceFirmware.Tests.Mqtt;

[TestClass]
public sealed class TlsDiagnosisTests
{
    private static string Explain(Exception error) => TlsDiagnosis.Explain(error, "broker.example", 8883, TimeSpan.FromSeconds(10), null);

    [TestMethod]
    public void Nothing_listening_DNS_and_timeouts_are_told_apart()
    {
        StringAssert.Contains(Explain(new SocketException((int)SocketError.ConnectionRefused)), "connection refused");
        StringAssert.Contains(Explain(new SocketException((int)SocketError.HostNotFound)), "cannot be resolved");
        StringAssert.Contains(Explain(new OperationCanceledException()), "within 10 s");
    }

    [TestMethod]
    public void A_connection_the_broker_closes_or_resets_points_at_the_device_certificate()
    {
        // How a TLS 1.3 client-certificate refusal shows up varies with timing: each must read the same.
        foreach (var error in new Exception[]
        {
            new MQTTnet.Adapter.MqttConnectingFailedException("Error while authenticating. Connection closed.", new MQTTnet.Exceptions.MqttCommunicationException("Connection closed.")),
            new MQTTnet.Exceptions.MqttCommunicationException("x", new SocketException((int)SocketError.NotConnected)),
            new MQTTnet.Exceptions.MqttCommunicationException("x", new IOException("Unable to write data to the transport connection", new SocketException((int)SocketError.ConnectionReset))),
        })
        {
            StringAssert.Contains(Explain(error), "refused the device certificate", error.ToString());
        }
    }

    [TestMethod]
    public void Without_TLS_a_closed_connection_does_not_blame_a_certificate()
    {
        var text = TlsDiagnosis.Explain(new SocketException((int)SocketError.ConnectionReset), "b", 1883, TimeSpan.FromSeconds(10), null, mutualTls: false);
        Assert.AreEqual("The broker at b:1883 closed the connection before accepting it.", text);
    }

    [TestMethod]
    public void A_server_certificate_problem_is_named()
    {
        var text = TlsDiagnosis.Explain(new IOException("x"), "broker.example", 8883, TimeSpan.FromSeconds(10), "it has expired.");
        StringAssert.Contains(text, "presented a certificate this device does not trust: it has expired.");
    }

    [TestMethod]
    public void A_refusal_explains_the_client_id_policy()
    {
        StringAssert.Contains(TlsDiagnosis.ExplainRefusal("NotAuthorized", "b", 8883, "pump-1"), "client id 'pump-1'");
        Assert.AreEqual("The broker at b:8883 refused the connection: ServerBusy.", TlsDiagnosis.ExplainRefusal("ServerBusy", "b", 8883, "pump-1"));
    }
}

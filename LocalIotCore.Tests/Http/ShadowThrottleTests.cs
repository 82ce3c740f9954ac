using System.Net;
using LocalIotCore.Http;
using LocalIotCore.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace LocalIotCore.Tests.Http;

/// <summary>The opt-in shadow request rate: AWS's 429 ThrottlingException once a thing's second of requests is used up.</summary>
[TestClass]
public sealed class ShadowThrottleTests
{
    [TestMethod]
    public void A_things_rate_refills_with_time_and_other_things_have_their_own()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var throttle = new ShadowRequestThrottle(2, time);

        Assert.IsTrue(throttle.TryTake("pump-1"));
        Assert.IsTrue(throttle.TryTake("pump-1"));
        Assert.IsFalse(throttle.TryTake("pump-1"), "a second's worth used up");
        Assert.IsTrue(throttle.TryTake("pump-2"), "another thing has its own rate");
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.IsTrue(throttle.TryTake("pump-1"), "half a second gives one request back");
        Assert.IsFalse(throttle.TryTake("pump-1"));
    }

    [TestMethod]
    public async Task Boto3_sees_its_ThrottlingException_when_the_rate_is_set_and_none_without_it()
    {
        await AwsClients.RequireBoto3Async();
        const string script = """
            import sys, boto3
            data = boto3.client("iot-data", endpoint_url=sys.argv[1], region_name="us-east-1", config=boto3.session.Config(retries={"max_attempts": 1, "mode": "standard"}))
            outcomes = []
            for i in range(int(sys.argv[2])):
                try:
                    data.update_thing_shadow(thingName="pump-1", payload=b'{"state":{"desired":{"n":%d}}}' % i)
                    outcomes.append("ok")
                except data.exceptions.ThrottlingException:
                    outcomes.append("throttled")
            print(",".join(outcomes))
            """;
        // One request per 100 s: the first of five updates passes and the rest are throttled on any machine.
        await using (var limited = await CloudInFolder.StartAsync("throttle", configure: o => o.ShadowRequestsPerSecondPerThing = 0.01))
        {
            var (exit, output, error) = await AwsClients.RunPythonAsync(script, "http://127.0.0.1:" + limited.Server.HttpPort, "5");
            Assert.AreEqual(0, exit, error);
            Assert.AreEqual("ok,throttled,throttled,throttled,throttled", output.Trim());
            using var response = await limited.Http.GetAsync(new Uri("/things/pump-1/shadow", UriKind.Relative));
            Assert.AreEqual((HttpStatusCode)429, response.StatusCode);
            Assert.AreEqual("ThrottlingException", response.Headers.GetValues(AwsError.ErrorTypeHeader).Single());
        }

        await using var open = await CloudInFolder.StartAsync("no-throttle");
        var (openExit, openOutput, openError) = await AwsClients.RunPythonAsync(script, "http://127.0.0.1:" + open.Server.HttpPort, "5");
        Assert.AreEqual(0, openExit, openError);
        Assert.AreEqual("ok,ok,ok,ok,ok", openOutput.Trim(), "off by default");
    }
}

using System.Net;
using System.Text;
using DeviceFirmware.Cloud;
using Microsoft.Extensions.Time.Testing;

namespace DeviceFirmware.Tests.Cloud;

[TestClass]
public sealed class IotCredentialsClientTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));

    [TestMethod]
    public async Task Credentials_are_asked_for_with_the_thing_name_and_kept_until_shortly_before_they_expire()
    {
        var requests = new List<HttpRequestMessage>();
        var client = Client(request =>
        {
            requests.Add(request);
            return Answer(HttpStatusCode.OK, "{\"credentials\":{\"accessKeyId\":\"ASIA" + requests.Count + "\",\"secretAccessKey\":\"s\",\"sessionToken\":\"t\",\"expiration\":\"2026-12-03T11:00:00Z\"}}");
        });

        var first = await client.GetAsync(CancellationToken.None);
        Assert.AreEqual(("ASIA1", "s", "t"), (first.AccessKeyId, first.SecretAccessKey, first.SessionToken));
        Assert.AreEqual(new DateTime(2026, 12, 3, 11, 0, 0, DateTimeKind.Utc), first.ExpirationUtc);
        Assert.AreEqual("https://creds.example:8443/role-aliases/DeviceFirmwareS3Access/credentials", requests[0].RequestUri!.AbsoluteUri);
        Assert.AreEqual("pump-1", requests[0].Headers.GetValues("x-amzn-iot-thingname").Single());

        _time.Advance(TimeSpan.FromMinutes(54));
        Assert.AreSame(first, await client.GetAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromMinutes(2)); // 4 minutes left: renewed
        Assert.AreEqual("ASIA2", (await client.GetAsync(CancellationToken.None)).AccessKeyId);
    }

    [TestMethod]
    public async Task A_refusal_names_the_status_and_aws_message()
    {
        var client = Client(_ => Answer(HttpStatusCode.Forbidden, "{\"message\":\"Access Denied\"}"));

        var error = await Assert.ThrowsExactlyAsync<CloudRequestException>(() => client.GetAsync(CancellationToken.None));

        Assert.AreEqual("the credentials provider answered 403: Access Denied", error.Message);
    }

    [TestMethod]
    public async Task An_answer_that_is_not_the_credentials_document_is_a_clear_error()
    {
        var client = Client(_ => Answer(HttpStatusCode.OK, "{\"credentials\":{\"accessKeyId\":\"A\"}}"));

        var error = await Assert.ThrowsExactlyAsync<CloudRequestException>(() => client.GetAsync(CancellationToken.None));

        StringAssert.StartsWith(error.Message, "the credentials provider's answer is not the credentials document");
    }

    private IotCredentialsClient Client(Func<HttpRequestMessage, HttpResponseMessage> answer) =>
        new(new HttpClient(new S3ObjectDownloaderTests.Answer(answer)), new Uri("https://creds.example:8443"), "DeviceFirmwareS3Access", "pump-1", _time);

    private static HttpResponseMessage Answer(HttpStatusCode status, string body) => new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
}

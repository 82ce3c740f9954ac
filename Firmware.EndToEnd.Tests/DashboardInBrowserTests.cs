using System.Globalization;
using System.Text.Json.Nodes;
using Firmware.EndToEnd.Harness;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Firmware.EndToEnd.Tests;

/// <summary>
/// LocalIotCore's dashboard in a real browser (Debian's Chromium, headless, driven by Playwright),
/// against LocalIotCore and the firmware as separate processes. Each step saves a screenshot to
/// artifacts/dashboard/ (and attaches it to the test result).
/// </summary>
[TestClass]
public sealed class DashboardInBrowserTests
{
    /// <summary>How long the page may take to show a change; a bound, not a sleep.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task The_page_shows_the_device_switches_the_motor_draws_telemetry_and_sees_it_go_away()
    {
        await using var rig = await Rig.StartAsync(new RigOptions { ThroughProxy = false });
        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Patience);
        await using var browser = await DashboardBrowser.OpenAsync(rig.HttpPort, TestContext);
        var page = browser.Page;
        var row = page.Locator("[data-testid=thing-row][data-thing='" + rig.Options.Thing + "']");

        // 1. The thing appears, connected, with its sensor and firmware version.
        await Expect(row).ToHaveAttributeAsync("data-connected", "true", new() { Timeout = Ms(Patience) });
        await Expect(row.GetByTestId("connection")).ToHaveTextAsync("connected");
        await Expect(row.GetByTestId("sensor")).ToContainTextAsync("ok");
        await Expect(row.GetByTestId("firmware")).Not.ToHaveTextAsync("—");
        await Expect(page.GetByTestId("live")).ToHaveTextAsync("live");
        await browser.ScreenshotAsync("01-connected");
        // A marker on the page's window: if anything reloaded the page, it would be gone.
        await page.EvaluateAsync("() => { window.notReloaded = true; }");

        // 2. The toggle writes desired.MOTOR; the page shows reported ON once the device has switched.
        Assert.IsFalse(rig.RelayIsOn);
        await Expect(row.GetByTestId("motor-reported")).ToHaveTextAsync("OFF", new() { Timeout = Ms(Patience) });
        await row.GetByTestId("motor-toggle").ClickAsync();
        await Expect(row.GetByTestId("motor-desired")).ToHaveTextAsync("ON", new() { Timeout = Ms(Patience) });
        await Expect(row.GetByTestId("motor-reported")).ToHaveTextAsync("ON", new() { Timeout = Ms(Patience) });
        await Expect(row.GetByTestId("motor-pending")).ToHaveCountAsync(0);
        await Expect(row.GetByTestId("motor-toggle")).ToHaveTextAsync("Turn OFF");
        Assert.IsTrue(rig.RelayIsOn, "the firmware's relay really switched");
        Assert.AreEqual("ON", (string?)(await rig.Shadow.ShadowAsync())?["state"]?["desired"]?["MOTOR"], "the toggle wrote desired.MOTOR");
        await browser.ScreenshotAsync("02-motor-on");

        // 3. Telemetry points arrive on the charts as the device publishes them (once a second here).
        var chart = page.GetByTestId("chart-temperature");
        await Expect(chart).Not.ToHaveAttributeAsync("data-points", new System.Text.RegularExpressions.Regex("^[01]?$"), new() { Timeout = Ms(Patience) });
        var before = int.Parse(await chart.GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture);
        await rig.Until(async () => int.Parse(await chart.GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture) > before, Patience, "a new point on the chart without a reload");
        await Expect(page.GetByTestId("chart-humidity")).Not.ToHaveAttributeAsync("data-points", "0");
        await Expect(page.GetByTestId("chart-pressure")).Not.ToHaveAttributeAsync("data-points", "0");
        Assert.IsTrue(await chart.Locator("path.line").CountAsync() == 1, "a line is drawn");
        await browser.ScreenshotAsync("03-telemetry");

        // 4. kill -9: the page turns the thing disconnected by itself.
        await rig.KillFirmwareAsync();
        await Expect(row).ToHaveAttributeAsync("data-connected", "false", new() { Timeout = Ms(Patience) });
        await Expect(row.GetByTestId("connection")).ToHaveTextAsync("disconnected");
        await Expect(row.GetByTestId("disconnect-reason")).ToContainTextAsync("CONNECTION_LOST");
        await Expect(page.GetByTestId("connection-event").First).ToContainTextAsync("disconnected");
        await browser.ScreenshotAsync("04-disconnected");

        // 5. After the notifier's grace (6 s for this test), the notification appears.
        var notification = page.Locator("[data-testid=notification][data-thing='" + rig.Options.Thing + "']");
        await Expect(notification).ToHaveCountAsync(1, new() { Timeout = Ms(Patience + TimeSpan.FromSeconds(rig.Options.GraceSeconds)) });
        await Expect(notification).ToContainTextAsync("offline since");
        Assert.IsTrue(await page.EvaluateAsync<bool>("() => window.notReloaded === true"), "every change reached the page without a reload");
        await browser.ScreenshotAsync("05-notification");
        browser.AssertNoPageErrors();
    }

    [TestMethod]
    public async Task The_desired_editor_saves_and_shows_400_409_and_413_readably()
    {
        await using var rig = await Rig.StartAsync(new RigOptions { ThroughProxy = false });
        Assert.AreEqual(200, (await rig.Shadow.UpdateAsync("{\"state\":{\"reported\":{\"MOTOR\":\"OFF\",\"connected\":false}}}")).Status);
        await using var browser = await DashboardBrowser.OpenAsync(rig.HttpPort, TestContext);
        var page = browser.Page;
        await Expect(page.GetByTestId("detail-thing")).ToHaveTextAsync(rig.Options.Thing, new() { Timeout = Ms(Patience) });
        var editor = page.GetByTestId("desired-editor");
        var result = page.GetByTestId("desired-result");

        await editor.FillAsync("{\"MOTOR\": \"ON\", \"telemetryIntervalSeconds\": 5}");
        await page.GetByTestId("desired-save").ClickAsync();
        await Expect(result).ToContainTextAsync("Saved", new() { Timeout = Ms(Patience) });
        Assert.AreEqual(5, (int?)(await rig.Shadow.ShadowAsync())?["state"]?["desired"]?["telemetryIntervalSeconds"]);
        await Expect(page.GetByTestId("shadow-document")).ToContainTextAsync("\"telemetryIntervalSeconds\": 5", new() { Timeout = Ms(Patience) });
        await Expect(page.Locator("#desired-version")).ToHaveTextAsync("2", new() { Timeout = Ms(Patience) });
        await browser.ScreenshotAsync("editor-01-saved");

        await editor.FillAsync("{\"MOTOR\": \"ON\",");
        await page.GetByTestId("desired-save").ClickAsync();
        await Expect(result).ToContainTextAsync("(400)", new() { Timeout = Ms(Patience) });
        await Expect(result).ToContainTextAsync("invalid json");
        await browser.ScreenshotAsync("editor-02-400");

        // Someone else changes the shadow after the editor loaded it: saving with its version is a conflict.
        await page.GetByTestId("desired-editor").FillAsync("{\"MOTOR\": \"OFF\"}");
        Assert.AreEqual(200, (await rig.Shadow.UpdateAsync("{\"state\":{\"reported\":{\"note\":\"meanwhile\"}}}")).Status);
        await Expect(page.GetByTestId("shadow-document")).ToContainTextAsync("meanwhile", new() { Timeout = Ms(Patience) });
        await page.GetByTestId("desired-save").ClickAsync();
        await Expect(result).ToContainTextAsync("Version conflict (409)", new() { Timeout = Ms(Patience) });
        Assert.AreEqual("ON", (string?)(await rig.Shadow.ShadowAsync())?["state"]?["desired"]?["MOTOR"], "the conflicting save changed nothing");
        await browser.ScreenshotAsync("editor-03-409");

        await page.GetByRole(AriaRole.Button, new() { Name = "Reload" }).ClickAsync();
        await editor.FillAsync("{\"big\": \"" + new string('x', 9000) + "\"}");
        await page.GetByTestId("desired-save").ClickAsync();
        await Expect(result).ToContainTextAsync("Too large (413)", new() { Timeout = Ms(Patience) });
        await browser.ScreenshotAsync("editor-04-413");
        browser.AssertNoPageErrors();
    }

    [TestMethod]
    public async Task The_page_shows_each_thing_s_file_and_the_upload_rule_s_outcome()
    {
        await using var rig = await Rig.StartAsync(new RigOptions { ThroughProxy = false });
        var thing = rig.Options.Thing;
        Assert.AreEqual(200, (await rig.Shadow.UpdateAsync("{\"state\":{\"reported\":{\"MOTOR\":\"OFF\"}}}")).Status);
        await using var browser = await DashboardBrowser.OpenAsync(rig.HttpPort, TestContext);
        var page = browser.Page;
        var row = page.Locator("[data-testid=thing-row][data-thing='" + thing + "']");
        await Expect(row.GetByTestId("file-key")).ToHaveTextAsync("—", new() { Timeout = Ms(Patience) });
        await Expect(page.GetByTestId("uploads")).ToContainTextAsync("None yet.");
        await Expect(page.GetByTestId("upload-buckets")).ToHaveTextAsync("device-files");

        // 1. A file is asked for: the row shows it pending until the device reports it.
        var hash = new string('a', 64);
        Assert.AreEqual(200, (await rig.Shadow.DesireAsync("{\"s3\":{\"url\":\"s3://device-files/configs/pump.json\",\"hash\":\"" + hash + "\"}}")).Status);
        await Expect(row.GetByTestId("file-pending")).ToHaveTextAsync("pending: configs/pump.json", new() { Timeout = Ms(Patience) });

        // 2. The device reports it installed (as the firmware does, through the shadow): key, short hash, status, time.
        Assert.AreEqual(200, (await rig.Shadow.UpdateAsync("{\"state\":{\"reported\":{\"s3\":{\"url\":\"s3://device-files/configs/pump.json\",\"hash\":\"" + hash + "\",\"status\":\"installed\",\"at\":\"" + DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) + "\"}}}}")).Status);
        await Expect(row.GetByTestId("file-status")).ToHaveTextAsync("installed", new() { Timeout = Ms(Patience) });
        await Expect(row.GetByTestId("file-key")).ToHaveTextAsync("configs/pump.json");
        await Expect(row.GetByTestId("file-hash")).ToHaveTextAsync(hash[..12]);
        await Expect(row.GetByTestId("file-at")).ToContainTextAsync("ago");
        await Expect(row.GetByTestId("file-pending")).ToHaveCountAsync(0);
        await browser.ScreenshotAsync("file-01-installed");

        // 3. What a device writes is shown as text, never as markup.
        Assert.AreEqual(200, (await rig.Shadow.UpdateAsync("{\"state\":{\"reported\":{\"s3\":{\"status\":\"download failed: <img src=x onerror=window.injected=1>\"}}}}")).Status);
        await Expect(row.GetByTestId("file-status")).ToHaveTextAsync("download failed: <img src=x onerror=window.injected=1>", new() { Timeout = Ms(Patience) });
        Assert.AreEqual(0, await row.Locator("img").CountAsync(), "no element made from the device's text");

        // 4. An upload into device-files: the rule writes desired.s3 into the registered thing's shadow, the panel lists it.
        await RegisterThingAsync(rig.HttpPort, thing);
        var body = "{\"setpointC\":21.5}";
        await PutObjectAsync(rig.HttpPort, "device-files", "configs/pump.json", body);
        var upload = page.Locator("[data-testid=upload][data-url='s3://device-files/configs/pump.json']");
        await Expect(upload).ToHaveCountAsync(1, new() { Timeout = Ms(Patience) });
        await Expect(upload.GetByTestId("upload-counts")).ToHaveTextAsync("1 updated, 0 skipped, 0 failed");
        await Expect(upload).ToContainTextAsync(body.Length.ToString(CultureInfo.InvariantCulture) + " bytes");
        await upload.Locator("summary").ClickAsync();
        await Expect(upload.Locator("[data-testid=upload-result][data-thing='" + thing + "']")).ToContainTextAsync("updated");
        // The new hash is not the installed one: the row shows the file pending again.
        await Expect(row.GetByTestId("file-pending")).ToHaveTextAsync("pending: configs/pump.json", new() { Timeout = Ms(Patience) });
        await browser.ScreenshotAsync("file-02-uploaded");

        // 5. A reload lists the upload from /api/s3-uploads.
        await page.ReloadAsync();
        await Expect(upload.GetByTestId("upload-counts")).ToHaveTextAsync("1 updated, 0 skipped, 0 failed", new() { Timeout = Ms(Patience) });
        Assert.IsFalse(await page.EvaluateAsync<bool>("() => window.injected === 1"), "the device's text ran no script");
        browser.AssertNoPageErrors();
    }

    private static float Ms(TimeSpan span) => (float)span.TotalMilliseconds;

    /// <summary>CreateThing through the control plane, as <c>aws iot create-thing</c> would: the upload rule fans out to registered things.</summary>
    private static async Task RegisterThingAsync(int httpPort, string thing)
    {
        using var http = new HttpClient();
        using var content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("http://127.0.0.1:" + httpPort.ToString(CultureInfo.InvariantCulture) + "/things/" + thing), content);
        Assert.AreEqual(System.Net.HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>An S3 PutObject signed with LocalIotCore's administrator keys (SigV4, the firmware's signer).</summary>
    private static async Task PutObjectAsync(int httpPort, string bucket, string key, string body)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        var host = "127.0.0.1:" + httpPort.ToString(CultureInfo.InvariantCulture);
        var path = "/" + bucket + "/" + key;
        var credentials = new DeviceFirmware.Cloud.AwsCredentials(LocalIotCore.S3.S3Options.DefaultAdministratorAccessKeyId, LocalIotCore.S3.S3Options.DefaultAdministratorSecretAccessKey);
        var signed = DeviceFirmware.Cloud.SigV4.Sign(new DeviceFirmware.Cloud.SignableRequest("PUT", host, path, [], [], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))), credentials, "us-east-1", "s3", DateTime.UtcNow);
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri("http://" + host + path)) { Content = new ByteArrayContent(bytes) };
        foreach (var header in signed)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using var http = new HttpClient();
        using var response = await http.SendAsync(request);
        Assert.AreEqual(System.Net.HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Debian's Chromium, headless, on the dashboard; screenshots go to artifacts/dashboard/.</summary>
    private sealed class DashboardBrowser : IAsyncDisposable
    {
        public const string ChromiumPath = "/usr/bin/chromium";

        private readonly IPlaywright _playwright;
        private readonly IBrowser _browser;
        private readonly TestContext _context;
        private readonly List<string> _pageErrors = [];

        private DashboardBrowser(IPlaywright playwright, IBrowser browser, IPage page, TestContext context)
        {
            _playwright = playwright;
            _browser = browser;
            Page = page;
            _context = context;
            page.PageError += (_, error) => { lock (_pageErrors) { _pageErrors.Add(error); } };
            page.Console += (_, message) => context.WriteLine("browser console: " + message.Type + ": " + message.Text);
        }

        public IPage Page { get; }

        public static async Task<DashboardBrowser> OpenAsync(int httpPort, TestContext context)
        {
            if (!File.Exists(ChromiumPath))
            {
                Assert.Fail("The browser tests drive Debian's Chromium at " + ChromiumPath + ": apt-get install -y chromium (.ci/run does).");
            }

            var playwright = await Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
            var opened = new DashboardBrowser(playwright, browser, page, context);
            var response = await page.GotoAsync("http://127.0.0.1:" + httpPort.ToString(CultureInfo.InvariantCulture) + "/");
            Assert.AreEqual(200, response?.Status, "the dashboard is served at the HTTP host's root");
            return opened;
        }

        public async Task ScreenshotAsync(string step)
        {
            var folder = Path.Combine(BuiltPrograms.RepositoryRoot, "artifacts", "dashboard");
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, _context.TestName + "-" + step + ".png");
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
            _context.AddResultFile(path);
            _context.WriteLine("screenshot: " + path);
        }

        public void AssertNoPageErrors()
        {
            lock (_pageErrors)
            {
                Assert.AreEqual(0, _pageErrors.Count, "script errors on the page: " + string.Join(" | ", _pageErrors));
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _browser.DisposeAsync();
            _playwright.Dispose();
        }
    }
}

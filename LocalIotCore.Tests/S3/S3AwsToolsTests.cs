using LocalIotCore.S3;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.S3;

/// <summary>Debian's AWS CLI (<c>aws s3 cp</c> up and down, <c>aws s3 ls</c>) and boto3 against the S3 subset, as a user runs them: the endpoint and the CA bundle.</summary>
[TestClass]
public sealed class S3AwsToolsTests
{
    private S3Cloud _cloud = null!;

    [TestInitialize]
    public async Task StartAsync() => _cloud = await S3Cloud.StartAsync("s3cli");

    [TestCleanup]
    public async Task StopAsync() => await _cloud.DisposeAsync();

    [TestMethod]
    public async Task Aws_s3_cp_uploads_and_downloads_a_file_and_aws_s3_ls_lists_it()
    {
        AwsClients.RequireAwsCli();
        await _cloud.AdministratorClient().PutBucketAsync("drop");
        var local = Path.Combine(_cloud.Folder, "upload.bin");
        // Over the CLI's 8 MB multipart threshold: uploaded in parts, downloaded in ranges.
        var content = new byte[9_000_000];
        new Random(16).NextBytes(content);
        await File.WriteAllBytesAsync(local, content);
        var created = new TaskCompletionSource<S3ObjectCreated>(TaskCreationOptions.RunContinuationsAsynchronously);
        _cloud.Server.S3.Objects.ObjectCreated += e => created.TrySetResult(e);

        var up = await Cli("s3", "cp", local, "s3://drop/releases/v1/app.bin");
        Assert.AreEqual(0, up.Exit, up.Error);
        var stored = await created.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.AreEqual(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)), stored.Sha256Hex);
        StringAssert.EndsWith(stored.ETag, "-2\"", "a multipart ETag");

        var back = Path.Combine(_cloud.Folder, "download.bin");
        var down = await Cli("s3", "cp", "s3://drop/releases/v1/app.bin", back);
        Assert.AreEqual(0, down.Exit, down.Error);
        CollectionAssert.AreEqual(content, await File.ReadAllBytesAsync(back));

        var ls = await Cli("s3", "ls", "s3://drop/releases/v1/");
        Assert.AreEqual(0, ls.Exit, ls.Error);
        StringAssert.Contains(ls.Output, "9000000 app.bin");
        var top = await Cli("s3", "ls", "s3://drop/");
        StringAssert.Contains(top.Output, "PRE releases/");
        var buckets = await Cli("s3", "ls");
        StringAssert.Contains(buckets.Output, "drop");

        var wrongKey = await AwsClients.RunAwsCliAsync("s3", "ls", "s3://drop/", "--endpoint-url", _cloud.Endpoint, "--ca-bundle", _cloud.CaPath);
        Assert.AreNotEqual(0, wrongKey.Exit, "the CLI's default test keys are not LocalIotCore's");
        StringAssert.Contains(wrongKey.Error, "InvalidAccessKeyId");
    }

    [TestMethod]
    public async Task Boto3_puts_gets_heads_and_pages_through_objects()
    {
        await AwsClients.RequireBoto3Async();
        const string script = """
            import sys, hashlib, boto3
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], verify=sys.argv[2], region_name="us-east-1",
                              aws_access_key_id=sys.argv[3], aws_secret_access_key=sys.argv[4])
            s3.create_bucket(Bucket="uploads")
            for i in range(5):
                s3.put_object(Bucket="uploads", Key=f"dir/file {i}.txt", Body=f"content {i}".encode())
            keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket="uploads", PaginationConfig={"PageSize": 2}) for o in page.get("Contents", [])]
            print(len(keys), keys[0], keys[-1])
            body = s3.get_object(Bucket="uploads", Key="dir/file 3.txt")["Body"].read()
            print(hashlib.sha256(body).hexdigest() == hashlib.sha256(b"content 3").hexdigest())
            print(s3.head_object(Bucket="uploads", Key="dir/file 3.txt")["ContentLength"])
            try:
                s3.get_object(Bucket="uploads", Key="nope")
            except s3.exceptions.NoSuchKey:
                print("NoSuchKey")
            """;
        var (exit, output, error) = await AwsClients.RunPythonAsync(script, _cloud.Endpoint, _cloud.CaPath, S3Options.DefaultAdministratorAccessKeyId, S3Options.DefaultAdministratorSecretAccessKey);
        Assert.AreEqual(0, exit, error);
        Assert.AreEqual("5 dir/file 0.txt dir/file 4.txt\nTrue\n9\nNoSuchKey", output.Trim().ReplaceLineEndings("\n"), error);
    }

    /// <summary>
    /// The CLI with the administrator keys: <see cref="AwsClients"/> gives every process placeholder keys (the IoT
    /// routes take any), so a python shim puts the administrator's in the CLI's environment instead.
    /// </summary>
    private Task<(int Exit, string Output, string Error)> Cli(params string[] arguments) =>
        AwsClients.RunPythonAsync(
            "import os, subprocess, sys; os.environ.update(AWS_ACCESS_KEY_ID=sys.argv[1], AWS_SECRET_ACCESS_KEY=sys.argv[2]); r = subprocess.run(['/usr/bin/aws', *sys.argv[3:]]); sys.exit(r.returncode)",
            [S3Options.DefaultAdministratorAccessKeyId, S3Options.DefaultAdministratorSecretAccessKey, .. arguments, "--endpoint-url", _cloud.Endpoint, "--ca-bundle", _cloud.CaPath]);
}

using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Link;

namespace DeviceFirmware.Core.Shadow;

/// <summary>
/// Sends this device's shadow requests (reports and /get), each with a clientToken of this run, and
/// only while there is a connection to send them on. A per-run prefix tells this run's tokens from
/// an earlier run's and from other clients'.
/// </summary>
public sealed class ShadowPublisher
{
    private readonly AgentOutput _out;
    private readonly ShadowTopics _topics;
    private readonly LinkSupervisor _link;
    private readonly JsonWriter _writer = new JsonWriter();
    private string _tokenPrefix = "fw-";
    private long _tokenCounter;

    public ShadowPublisher(AgentOutput output, ShadowTopics topics, LinkSupervisor link)
    {
        _out = output ?? throw new ArgumentNullException(nameof(output));
        _topics = topics ?? throw new ArgumentNullException(nameof(topics));
        _link = link ?? throw new ArgumentNullException(nameof(link));
    }

    /// <summary>Picks this run's token prefix, e.g. <c>fw042137-</c>.</summary>
    public void StartRun(RandomSource random) =>
        _tokenPrefix = "fw" + AgentText.ZeroPadded((int)(random() * 1000000), 6) + "-";

    public bool IsOwnToken(string? token) => token != null && AgentText.StartsWith(token, _tokenPrefix);

    /// <summary>Publishes <paramref name="report"/> on /update when connected (or shutting down).</summary>
    /// <returns>The clientToken it carries (or would have carried).</returns>
    public string Report(ShadowReport report)
    {
        var token = NextToken();
        if (_link.State == LinkState.Connected || _link.State == LinkState.ShuttingDown)
        {
            _out.Add(new Publish(_topics.Update, report.ToJson(token, _writer)));
        }

        return token;
    }

    /// <summary>Publishes <c>{"clientToken":"..."}</c> on /get.</summary>
    public void Get()
    {
        var token = NextToken();
        _writer.Clear();
        _writer.BeginObject();
        _writer.Name(ShadowKeys.ClientToken);
        _writer.String(token);
        _writer.EndObject();
        _out.Add(new Publish(_topics.Get, _writer.ToArray()));
    }

    private string NextToken() => _tokenPrefix + (++_tokenCounter);
}

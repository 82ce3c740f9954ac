using System;

namespace DeviceFirmware.Core.Agent;

/// <summary>
/// Where the agent's parts put their actions during one <see cref="DeviceAgent.Handle"/> call: the
/// caller's <see cref="ActionList"/>, set by the dispatcher for the length of the call.
/// </summary>
public sealed class AgentOutput
{
    private ActionList? _actions;

    /// <summary>Directs the actions of the call that begins now into <paramref name="actions"/>.</summary>
    public void Begin(ActionList actions) => _actions = actions ?? throw new ArgumentNullException(nameof(actions));

    public void End() => _actions = null;

    public void Add(AgentAction action)
    {
        if (_actions == null)
        {
            throw new InvalidOperationException("The agent's parts act only inside DeviceAgent.Handle.");
        }

        _actions.Add(action);
    }

    public void Log(AgentLogLevel level, string message) => Add(new Log(level, message));

    public void StartTimer(AgentTimer timer, TimeSpan delay) => Add(new StartTimer(timer, delay));

    public void CancelTimer(AgentTimer timer) => Add(new CancelTimer(timer));
}

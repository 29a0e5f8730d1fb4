using Akka.Actor;

namespace DistNet.Training.Hosting;

/// <summary>
/// The supervision of DistNet's top-level actors: a failed server or worker is restarted (it
/// recovers its own state, see ParameterServer.Recovery), and says so itself in one line instead
/// of the guardian printing a stack trace, which for an injected crash is the expected outcome.
/// </summary>
public sealed class RestartQuietly : SupervisorStrategyConfigurator
{
    public override SupervisorStrategy Create() =>
        new OneForOneStrategy(-1, -1, new LocalOnlyDecider(_ => Directive.Restart), loggingEnabled: false);
}

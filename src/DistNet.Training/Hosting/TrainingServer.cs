using Akka.Actor;
using DistNet.Core.Nn;
using DistNet.Core.Training;
using DistNet.Training.Server;

namespace DistNet.Training.Hosting;

/// <summary>Starting the parameter server and waiting for its result: the same in process and on a cluster's ps node.</summary>
public static class TrainingServer
{
    public const string Name = "server";

    /// <param name="dispatcher">Its own thread by default; <see cref="AkkaConfig.SharedDispatcher"/> to share one with a worker.</param>
    public static IActorRef Start(ActorSystem system, ServerSetup setup, string dispatcher = AkkaConfig.PinnedDispatcher) =>
        system.ActorOf(ParameterServer.Props(setup).WithDispatcher(dispatcher), Name);

    /// <summary>Starts training (once enough workers have registered) and completes with the trained model.</summary>
    public static async Task<DistributedResult> Train(IActorRef server, Architecture architecture)
    {
        var finished = await server.Ask<TrainingFinished>(StartTraining.Instance, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        if (finished.Failure is not null) throw new TrainingDivergedException(finished.Failure);
        return new DistributedResult(new Mlp(architecture, finished.Parameters), finished);
    }
}

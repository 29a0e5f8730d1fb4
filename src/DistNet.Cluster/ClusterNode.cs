using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using DistNet.Cluster.Channel;
using DistNet.Cluster.Job;
using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Training;
using DistNet.Training;
using DistNet.Training.Faults;
using DistNet.Training.Hosting;
using DistNet.Training.Server;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Cluster;

/// <summary>
/// Hosts one cluster member: the parameter-server node (server and job host) or a worker
/// node. The actors are the same ones `train` runs in process; only their placement differs.
/// </summary>
public static class ClusterNode
{
    public const string SystemName = "distnet";

    public static Config EffectiveConfig(NodeSettings settings) => settings.ToConfig(NodeConfig.Reference);

    public static ActorSystem Start(NodeSettings settings)
    {
        settings.Validate();
        var config = EffectiveConfig(settings);
        var setup = ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(config));
        if (settings.TlsEnabled) setup = setup.And(Tls.Setup(settings.TlsCert, settings.TlsKey));
        return ActorSystem.Create(SystemName, setup);
    }

    /// <summary>
    /// Runs training on the ps node until it finishes, then leaves the cluster. With --ps-workers N the
    /// ps also runs workers 0..N−1 itself, on the training data it already holds: on a small cluster no
    /// machine is left to the server alone, and those workers' vectors never leave the process.
    /// </summary>
    public static async Task<DistributedResult> RunParameterServer(ActorSystem system, NodeSettings settings, Mlp model, Dataset train,
        Dataset validation, TrainerSettings trainer, DistributedSettings distributed, JobDescription template,
        ITrainingObserver? observer = null, RunTelemetry? telemetry = null, FaultInjector? injector = null, CheckpointSettings? checkpoints = null)
    {
        // Worker processes are not the ps's to stop or start: a plan's kill-worker and the worker-side
        // faults (slow, corrupt) need in-process workers; message faults, partitions and crashes act here.
        // As in `distnet train`: the server takes turns with its first own worker on one thread when it can.
        bool share = settings.PsWorkers > 0 && LocalTraining.ServerCanShareAThread(distributed, faultHooks: injector is not null);
        var server = TrainingServer.Start(system, new ServerSetup(model, train.Count, validation, trainer, distributed, observer, telemetry,
            injector, checkpoints), AkkaConfig.ServerDispatcher(share));
        var channel = OpenVectorChannel(system, settings, server, () => new FirstLayerGradient(model.Architecture, train), observer);
        if (channel is not null) observer?.OnNotice($"vector channel listening on {channel.Host}:{channel.Port}");
        if (channel is not null && settings.FirstLayerFactors == FirstLayerFactors.On)
            observer?.OnNotice("workers send first-layer weight gradients as factors when smaller (--first-layer-factors on)");
        var job = new WorkerJob(model.Architecture, train, trainer.Penalty, trainer.Optimizer);
        for (int id = 0; id < settings.PsWorkers; id++)
            system.ActorOf(Worker.Props(id, server, job).WithDispatcher(AkkaConfig.WorkerDispatcher(id, share)), $"worker-{id}");
        system.ActorOf(JobHost.Props(template with { Server = server, Channel = channel, FirstWorkerId = settings.PsWorkers }), JobHost.Name);
        try
        {
            return await TrainingServer.Train(server, model.Architecture).ConfigureAwait(false);
        }
        finally
        {
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).ConfigureAwait(false);
        }
    }

    /// <summary>The ps's end of the vector channel, on the node's bind address; null when the channel is off.</summary>
    private static ChannelEndpoint? OpenVectorChannel(ActorSystem system, NodeSettings settings, IActorRef server, Func<FirstLayerGradient> firstLayer,
        ITrainingObserver? observer)
    {
        if (!settings.VectorChannel) return null;
        var channel = ChannelSettings.FromConfig(system.Settings.Config);
        var (listener, token) = ChannelListener.Open(settings.Host, channel);
        system.ActorOf(ChannelListener.Props(listener, server, token, channel, followMembership: true,
            channel.FirstLayerFactors == FirstLayerFactors.Off ? null : firstLayer, observer is null ? null : observer.OnNotice), ChannelListener.Name);
        // Workers reach it where they reach the ps's Akka endpoint (the public host, when there is one).
        var advertised = Akka.Cluster.Cluster.Get(system).SelfAddress.Host!;
        return new ChannelEndpoint(advertised, ((System.Net.IPEndPoint)listener.LocalEndpoint).Port, token);
    }

    /// <summary>Runs a worker node until the job is over (the ps node leaves) or the node is stopped.</summary>
    public static Task RunWorkerNode(ActorSystem system, int workersPerNode)
    {
        system.ActorOf(WorkerNode.Props(workersPerNode), "node");
        return system.WhenTerminated;
    }
}

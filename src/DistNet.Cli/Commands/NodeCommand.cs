using System.CommandLine;
using DistNet.Training.Faults;
using Akka.Actor;
using DistNet.Cluster;
using DistNet.Cluster.Channel;
using DistNet.Cluster.Job;

namespace DistNet.Cli.Commands;

/// <summary>
/// `distnet node`: one member of a training cluster. The ps node owns the job (the training
/// options are its options) and trains once --min-workers workers have registered; a worker
/// node joins the seed nodes, learns the job from the ps and runs --workers-per-node workers.
/// </summary>
public static class NodeCommand
{
    public static Command Create(TextWriter output)
    {
        var training = new TrainingOptions();
        var role = new Option<string?>("--role") { Description = "ps (parameter server, owns the job) or worker [DISTNET_ROLE; default worker]" };
        var host = new Option<string?>("--host") { Description = "Address to bind [DISTNET_HOST; default 127.0.0.1]" };
        var port = new Option<int?>("--port") { Description = "Port to bind, 0 for any [DISTNET_PORT; default 0]" };
        var publicHost = new Option<string?>("--public-host") { Description = "Address other nodes reach this one at, if not --host [DISTNET_PUBLIC_HOST]" };
        var seeds = new Option<string?>("--seed-nodes") { Description = "Comma-separated akka.tcp://distnet@HOST:PORT, the ps first [DISTNET_SEED_NODES]" };
        var perNode = new Option<int?>("--workers-per-node") { Description = "Worker actors on this node [DISTNET_WORKERS_PER_NODE; default 1]" };
        var psWorkers = new Option<int?>("--ps-workers") { Description = "ps: worker actors in the ps's own process, counted toward --min-workers [DISTNET_PS_WORKERS; default 0]" };
        var minWorkers = new Option<int?>("--min-workers") { Description = "ps: start training when this many workers have registered [DISTNET_MIN_WORKERS; default 1]" };
        var psWait = new Option<int?>("--ps-wait") { Description = "worker: seconds to wait for a new ps when the ps was downed (crashed) [DISTNET_PS_WAIT; default 60]" };
        var vectorChannel = new Option<string?>("--vector-channel") { Description = "ps: on = weights and gradients on a TCP connection per worker, off = through Akka.Remote [DISTNET_VECTOR_CHANNEL; default on]" };
        var vectorPort = new Option<int?>("--vector-port") { Description = "ps: port of the vector channel, 0 for any [DISTNET_VECTOR_PORT; default 0]" };
        var firstLayerFactors = new Option<string?>("--first-layer-factors") { Description = "ps: workers may send the first layer's weight gradient as factors (δ₁ and sample ids) when fewer numbers, rebuilt here with the same bits: auto = workers on other hosts, on, off [DISTNET_FIRST_LAYER_FACTORS; default auto]" };
        var workerPoll = new Option<int?>("--worker-poll") { Description = "worker: milliseconds a worker's channel polls for its next task before it sleeps in the kernel, 0 = never polls (a sleeping virtual CPU can be slow to wake) [DISTNET_WORKER_POLL; default 2]" };
        var sharedMemory = new Option<string?>("--shared-memory") { Description = "on = a worker on the ps's host gets and sends its vectors through a ring in /dev/shm, off = always through TCP [DISTNET_SHARED_MEMORY; default on]" };
        var pairCores = new Option<string?>("--pair-cores") { Description = "on = worker k's channel thread and the ps's reader of it stay on core k mod the cores, for workers on the ps's host; for a host given to the job [DISTNET_PAIR_CORES; default off]" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "PEM certificate: with --tls-key, TLS with mutual authentication between nodes [DISTNET_TLS_CERT]" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key [DISTNET_TLS_KEY]" };
        var printConfig = new Option<bool>("--print-config") { Description = "Print the effective configuration and exit" };

        var command = new Command("node", "Run a cluster node: the parameter server (--role ps, with the training options) or a worker")
        {
            role, host, port, publicHost, seeds, perNode, psWorkers, minWorkers, psWait, vectorChannel, vectorPort, firstLayerFactors, workerPoll, sharedMemory, pairCores, tlsCert, tlsKey, printConfig,
        };
        foreach (var option in training.All) command.Add(option);

        command.SetAction(parse =>
        {
            NodeSettings settings;
            try
            {
                var env = NodeSettings.FromEnvironment(NodeConfig.Reference);
                settings = env with
                {
                    Role = parse.GetValue(role) is { } r ? NodeSettings.ParseRole(r) : env.Role,
                    Host = parse.GetValue(host) ?? env.Host,
                    Port = parse.GetValue(port) ?? env.Port,
                    PublicHost = parse.GetValue(publicHost) ?? env.PublicHost,
                    SeedNodes = parse.GetValue(seeds) is { } s ? NodeSettings.SplitList(s) : env.SeedNodes,
                    WorkersPerNode = parse.GetValue(perNode) ?? env.WorkersPerNode,
                    PsWorkers = parse.GetValue(psWorkers) ?? env.PsWorkers,
                    MinWorkers = parse.GetValue(minWorkers) ?? env.MinWorkers,
                    PsWait = parse.GetValue(psWait) is { } wait ? TimeSpan.FromSeconds(wait) : env.PsWait,
                    VectorChannel = parse.GetValue(vectorChannel) is { } vc ? NodeSettings.ParseSwitch(vc, "--vector-channel") : env.VectorChannel,
                    VectorPort = parse.GetValue(vectorPort) ?? env.VectorPort,
                    FirstLayerFactors = parse.GetValue(firstLayerFactors) is { } f ? ChannelSettings.ParseFirstLayerFactors(f, "--first-layer-factors") : env.FirstLayerFactors,
                    WorkerPoll = parse.GetValue(workerPoll) is { } ms ? TimeSpan.FromMilliseconds(ms) : env.WorkerPoll,
                    SharedMemory = parse.GetValue(sharedMemory) is { } sm ? NodeSettings.ParseSwitch(sm, "--shared-memory") : env.SharedMemory,
                    PairCores = parse.GetValue(pairCores) is { } pc ? NodeSettings.ParseSwitch(pc, "--pair-cores") : env.PairCores,
                    TlsCert = parse.GetValue(tlsCert) ?? env.TlsCert,
                    TlsKey = parse.GetValue(tlsKey) ?? env.TlsKey,
                };
                settings.Validate();
            }
            catch (ArgumentException e) { throw UsageException.From(e); }

            if (parse.GetValue(printConfig))
            {
                var config = ClusterNode.EffectiveConfig(settings);
                foreach (var path in new[] { "distnet.node", "akka.remote.dot-netty.tcp", "akka.cluster", "akka.actor.serialization-bindings" })
                    output.WriteLine($"{path} {config.GetConfig(path).Root}");
                return ExitCodes.Ok;
            }

            if (settings.Role == NodeRole.Worker)
            {
                using var workerSystem = ClusterNode.Start(settings);
                output.WriteLine($"worker node {Akka.Cluster.Cluster.Get(workerSystem).SelfAddress} joining {string.Join(", ", settings.SeedNodes.Select(settings.SeedAddress))} with {settings.WorkersPerNode} worker{(settings.WorkersPerNode == 1 ? "" : "s")}");
                ClusterNode.RunWorkerNode(workerSystem, settings.WorkersPerNode).GetAwaiter().GetResult();
                output.WriteLine("worker node stopped");
                return ExitCodes.Ok;
            }

            var request = training.Bind(parse, settings.MinWorkers);
            if (request.Faults?.Faults.FirstOrDefault(f => f is KillWorker or SlowWorker or CorruptGradient) is { } workerSide)
                throw new UsageException($"fault '{workerSide.Describe()}' acts inside a worker, which on a cluster runs in another process: " +
                    "use it with distnet train, or on a cluster kill or slow worker processes from outside (deploy/local, deploy/netns)");
            using var system = ClusterNode.Start(settings);
            var cluster = Akka.Cluster.Cluster.Get(system);
            if (settings.SeedNodes.Length == 0) cluster.Join(cluster.SelfAddress);
            var start = request.Start;
            var template = new JobDescription(request.DataSpec, request.DataOptions.Seed, request.DataOptions.Validation,
                request.DataOptions.Test, request.DataOptions.Samples, request.DataOptions.Noise, request.DataOptions.LabelColumn,
                start.Network.Architecture, start.InputTransform?.Offset, start.InputTransform?.Scale,
                request.Trainer.Penalty, request.Trainer.Optimizer, 0, ActorRefs.Nobody);
            output.WriteLine($"ps node {cluster.SelfAddress}: waiting for {settings.MinWorkers} worker{(settings.MinWorkers == 1 ? "" : "s")}" +
                (settings.PsWorkers > 0 ? $" ({settings.PsWorkers} of them in this process)" : ""));
            return TrainingRun.Execute(request, output, $"cluster ps at {cluster.SelfAddress}",
                (observer, telemetry, injector) => ClusterNode.RunParameterServer(system, settings, start.Network, request.Prepared.Train,
                    request.Prepared.Validation, request.Trainer, request.Distributed, template, observer, telemetry, injector, request.Checkpoints)
                    .GetAwaiter().GetResult());
        });
        return command;
    }
}

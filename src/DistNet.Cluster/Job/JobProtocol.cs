using Akka.Actor;
using DistNet.Cluster.Channel;
using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Training;

namespace DistNet.Cluster.Job;

/// <summary>Worker node → job host on the ps node: "I can run this many workers; what is the job?"</summary>
public sealed record RequestJob(int Workers) : IDistNetMessage;

/// <summary>
/// Job host → worker node: everything a worker node needs to load the very same training split
/// the server schedules (data spec and split options; the data itself never travels), the model's
/// shape, the ids its workers take, and where its workers open their vector channels (null: vectors
/// go through Akka.Remote to <paramref name="Server"/>).
/// </summary>
public sealed record JobDescription(
    string DataSpec,
    long Seed,
    double Validation,
    double Test,
    int Samples,
    double? Noise,
    string? LabelColumn,
    Architecture Architecture,
    float[]? TransformOffset,
    float[]? TransformScale,
    Penalty Penalty,
    OptimizerSettings Optimizer,
    int FirstWorkerId,
    IActorRef Server,
    ChannelEndpoint? Channel = null) : IDistNetMessage
{
    public DataOptions DataOptions => new()
    {
        Seed = Seed, Validation = Validation, Test = Test, Samples = Samples, Noise = Noise, LabelColumn = LabelColumn,
    };

    public InputTransform? Transform => TransformOffset is null ? null : new InputTransform(TransformOffset, TransformScale!);
}

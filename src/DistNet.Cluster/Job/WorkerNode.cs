using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using DistNet.Cluster.Channel;
using DistNet.Core.Data;
using DistNet.Training.Hosting;
using DistNet.Training.Workers;

namespace DistNet.Cluster.Job;

/// <summary>
/// Runs on a worker node: waits for the parameter server's node to be up, asks it for the job,
/// loads the training data itself from the job's data spec, and starts its worker actors. When
/// the ps node leaves the cluster (the job is done), the node shuts down. When the ps node was
/// downed instead (it crashed or was cut off), the node stops its workers and waits
/// `distnet.node.ps-wait` for a replacement ps (one restarted with --resume), then asks it for the
/// job again: a crash of the ps costs the steps since its last checkpoint, not the run.
/// The node asks for a job only once it is itself Up: the split-brain resolver does not count
/// joining or weakly-up members, so a node that trained before it was Up could be downed with a
/// crashed ps on a tie instead of outliving it.
/// </summary>
public sealed class WorkerNode : ReceiveActor, IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;

    private readonly int _workers;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private Address? _psAddress;
    private Address? _psUp;
    private bool _selfUp;
    private bool _started;
    private readonly TimeSpan _psWait = Context.System.Settings.Config.GetTimeSpan("distnet.node.ps-wait", TimeSpan.FromSeconds(60));

    private sealed record PsWaitOver;
    private sealed record Rejoin;
    private static readonly TimeSpan RejoinDelay = TimeSpan.FromSeconds(2);

    public WorkerNode(int workers)
    {
        _workers = workers;
        Receive<ClusterEvent.MemberUp>(up => OnMemberUp(up.Member));
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            if (!removed.Member.Address.Equals(_psAddress)) return;
            if (removed.PreviousStatus != MemberStatus.Down) { Shutdown("the parameter server left the cluster"); return; }
            _log.Warning("the parameter server {0} is gone (downed); stopping this node's workers and waiting up to {1} s for a new one",
                removed.Member.Address, _psWait.TotalSeconds);
            foreach (var child in Context.GetChildren()) Context.Stop(child);
            (_started, _psAddress, _psUp) = (false, null, null);
            Timers.StartSingleTimer("ps-wait", new PsWaitOver(), _psWait);
        });
        Receive<PsWaitOver>(_ =>
        {
            if (!_started && _psAddress is null) Shutdown($"no parameter server came back within {_psWait.TotalSeconds} s");
        });
        Receive<ClusterEvent.UnreachableMember>(u =>
        {
            if (u.Member.Address.Equals(_psAddress)) _log.Warning("parameter server {0} is unreachable", u.Member.Address);
        });
        Receive<JobDescription>(StartWorkers);
        Receive<Terminated>(_ => OnChildStopped());
        Receive<Rejoin>(_ => OnRejoin());
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    public static Props Props(int workers) => Akka.Actor.Props.Create(() => new WorkerNode(workers));

    protected override void PreStart() =>
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember));

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void OnMemberUp(Member member)
    {
        if (member.UniqueAddress.Equals(Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress)) _selfUp = true;
        else if (member.HasRole("ps")) _psUp = member.Address;
        if (!_selfUp || _psUp is not { } ps || _started || _psAddress is not null) return;
        Timers.Cancel("ps-wait");
        _psAddress = ps;
        AskForJob(ps);
    }

    private void StartWorkers(JobDescription job)
    {
        if (_started) return;
        _started = true;
        Dataset train;
        try
        {
            train = DataLoader.Load(job.DataSpec, job.DataOptions).Train;
            if (job.Transform is { } transform) train = train.Transformed(transform);
        }
        catch (Exception e) when (e is DataException or ArgumentException or IOException)
        {
            _log.Error("cannot load the job's data: {0}", e.Message);
            Shutdown("the data could not be loaded");
            return;
        }
        var workerJob = new WorkerJob(job.Architecture, train, job.Penalty, job.Optimizer);
        var channel = job.Channel is null ? null : ChannelSettings.FromConfig(Context.System.Settings.Config);
        string node = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        for (int i = 0; i < _workers; i++)
        {
            int id = job.FirstWorkerId + i;
            // With the vector channel, each worker sits behind a link that stands in for the server.
            var child = job.Channel is { } endpoint
                ? Context.ActorOf(ServerLink.Props(endpoint, new ChannelHello(id, node), workerJob, channel!), $"link-{id}")
                : Context.ActorOf(Worker.Props(id, job.Server, workerJob).WithDispatcher(AkkaConfig.PinnedDispatcher), $"worker-{id}");
            Context.Watch(child);
        }
        _log.Info("started {0} workers ({1}..{2}) for {3}{4}", _workers, job.FirstWorkerId, job.FirstWorkerId + _workers - 1, job.DataSpec,
            job.Channel is { } c ? $", vectors on the channel at {c.Host}:{c.Port}" : "");
    }

    /// <summary>
    /// Every worker of this node ended (their vector channels closed) while the job runs. If the ps is
    /// still an ordinary member a moment later, the node asks it for the job again and starts afresh
    /// with new worker ids; if the ps crashed, the cluster downs it and the node waits for a new one.
    /// </summary>
    private void OnChildStopped()
    {
        if (!_started || Context.GetChildren().Any()) return;
        _started = false;
        // At the end of a job the ps closes the channels as it leaves: nothing to warn about then.
        if (PsUp()) _log.Warning("this node's channels to the parameter server ended; asking it for the job again in {0} s", RejoinDelay.TotalSeconds);
        Timers.StartSingleTimer("rejoin", new Rejoin(), RejoinDelay);
    }

    private void OnRejoin()
    {
        if (!_started && PsUp()) AskForJob(_psAddress!);
    }

    private void AskForJob(Address ps) =>
        Context.ActorSelection(new RootActorPath(ps) / "user" / JobHost.Name).Tell(new RequestJob(_workers));

    private bool PsUp()
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        return _psAddress is { } ps && cluster.State.Members.Any(m => m.Address.Equals(ps) && m.Status == MemberStatus.Up)
            && !cluster.State.Unreachable.Any(m => m.Address.Equals(ps));
    }

    private void Shutdown(string reason)
    {
        _log.Info("shutting down: {0}", reason);
        CoordinatedShutdown.Get(Context.System).Run(CoordinatedShutdown.ClrExitReason.Instance);
    }
}

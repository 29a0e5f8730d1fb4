using System.Diagnostics;
using DistNet.Training.Workers;

namespace DistNet.Training.Faults;

/// <summary>What happens to one message under a plan.</summary>
public enum MessageFate { Deliver, Drop, Duplicate, Delay }

public readonly record struct MessageDecision(MessageFate Fate, TimeSpan Delay = default, int FaultIndex = -1)
{
    public static readonly MessageDecision Deliver = new(MessageFate.Deliver);
}

/// <summary>A fault that took effect: which, at which step, when (seconds since the injector was made), on whom.</summary>
public sealed record FiredFault(int FaultIndex, long Step, double Seconds, string Text);

/// <summary>An action the server carries out at the start of a step.</summary>
public abstract record StepAction(int FaultIndex);
public sealed record StopWorker(int FaultIndex, int Worker) : StepAction(FaultIndex);
public sealed record StartWorker(int FaultIndex, int Worker) : StepAction(FaultIndex);
public sealed record CrashServerNow(int FaultIndex) : StepAction(FaultIndex);

/// <summary>
/// Carries out a <see cref="FaultPlan"/> in a running training: the parameter server asks it at
/// each step start what to kill, restart or crash and, per message, whether to drop, duplicate
/// or delay it; workers get hooks from <see cref="ForWorker"/> that slow them down or corrupt
/// their gradients. Every decision depends on the plan's seed, the fault, the step and a key
/// (worker id, task id), never on timing, so a plan replays the same way.
/// </summary>
/// <remarks>
/// One object serves the server and the workers of one run (on their own threads), as a test
/// harness does; the only state it keeps is which one-shot faults have fired (so that a server
/// that resumes from an older checkpoint does not crash again at the same step) and a log.
/// </remarks>
public sealed class FaultInjector
{
    private readonly FaultPlan _plan;
    private readonly int _stepsPerEpoch;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly HashSet<int> _oneShotsFired = new();
    private readonly List<FiredFault> _fired = new();

    public FaultInjector(FaultPlan plan, int stepsPerEpoch)
    {
        if (plan.Seed is null) throw new ArgumentException("the plan needs a seed (FaultPlan.WithDefaultSeed)", nameof(plan));
        _plan = plan;
        _stepsPerEpoch = stepsPerEpoch;
    }

    public FaultPlan Plan => _plan;

    /// <summary>Whether some fault loses messages, which only a task timeout recovers.</summary>
    public bool LosesMessages => _plan.Faults.Any(f => f is DropMessages or Partition);

    public IReadOnlyList<FiredFault> Fired
    {
        get { lock (_fired) return _fired.ToArray(); }
    }

    /// <summary>Raised (on the caller's thread) whenever a fault takes effect.</summary>
    public event Action<FiredFault>? FaultFired;

    private void Record(int index, long step, string text)
    {
        var fired = new FiredFault(index, step, _clock.Elapsed.TotalSeconds, text);
        lock (_fired) _fired.Add(fired);
        FaultFired?.Invoke(fired);
    }

    private bool FireOnce(int index)
    {
        lock (_oneShotsFired) return _oneShotsFired.Add(index);
    }

    private IEnumerable<(int Index, Fault Fault)> Active(long step) => _plan.ActiveAt((int)Math.Min(step, int.MaxValue), _stepsPerEpoch);

    /// <summary>The server, starting step <paramref name="step"/>: workers to stop or start, or a crash.</summary>
    public IReadOnlyList<StepAction> AtStepStart(long step)
    {
        var actions = new List<StepAction>();
        for (int i = 0; i < _plan.Faults.Count; i++)
        {
            var fault = _plan.Faults[i];
            int first = fault.ResolveStep(_stepsPerEpoch);
            switch (fault)
            {
                case KillWorker kill when step >= first && FireOnceAt(i, 0):
                    Record(i, step, $"killed worker {kill.Worker}");
                    actions.Add(new StopWorker(i, kill.Worker));
                    break;
                case KillWorker { RestartAfter: int after } kill when step >= first + after && HasFired(i, 0) && FireOnceAt(i, 1):
                    Record(i, step, $"restarted worker {kill.Worker}");
                    actions.Add(new StartWorker(i, kill.Worker));
                    break;
                case CrashServer when step >= first && FireOnceAt(i, 0):
                    Record(i, step, "crashed the parameter server");
                    actions.Add(new CrashServerNow(i));
                    break;
            }
        }
        return actions;
    }

    // One-shot events are keyed (fault, part): a kill and its restart are two parts of one fault.
    private bool FireOnceAt(int index, int part) => FireOnce(2 * index + part + 1_000_000);

    private bool HasFired(int index, int part)
    {
        lock (_oneShotsFired) return _oneShotsFired.Contains(2 * index + part + 1_000_000);
    }

    /// <summary>A task from the server to a worker, sent in <paramref name="step"/>.</summary>
    public MessageDecision OnTask(long step, int workerId, long taskId) => Decide(step, workerId, taskId, MessageKind.Task);

    /// <summary>A worker's answer for <paramref name="step"/>, as it reaches the server.</summary>
    public MessageDecision OnGradient(long step, int workerId, long taskId) => Decide(step, workerId, taskId, MessageKind.Gradient);

    private MessageDecision Decide(long step, int workerId, long taskId, MessageKind kind)
    {
        foreach (var (i, fault) in Active(step))
        {
            switch (fault)
            {
                case Partition p when p.Worker == workerId:
                    Record(i, step, $"partition: {(kind == MessageKind.Task ? "task to" : "answer from")} worker {workerId} lost");
                    return new MessageDecision(MessageFate.Drop, FaultIndex: i);
                case MessageFault m when (m.Message == MessageKind.Any || m.Message == kind)
                                         && (m.Worker is null || m.Worker == workerId)
                                         && _plan.Hits(i, (int)step, Key(taskId, kind)):
                    var decision = m switch
                    {
                        DropMessages => new MessageDecision(MessageFate.Drop, FaultIndex: i),
                        DuplicateMessages => new MessageDecision(MessageFate.Duplicate, FaultIndex: i),
                        DelayMessages d => new MessageDecision(MessageFate.Delay,
                            TimeSpan.FromMilliseconds(d.Delay.SampleMs(_plan.Random(i, (int)step, Key(taskId, kind) + 1))), i),
                        _ => MessageDecision.Deliver,
                    };
                    string what = kind == MessageKind.Task ? $"task {taskId} to worker {workerId}" : $"answer {taskId} from worker {workerId}";
                    Record(i, step, decision.Fate switch
                    {
                        MessageFate.Drop => $"dropped {what}",
                        MessageFate.Duplicate => $"duplicated {what}",
                        _ => $"delayed {what} by {decision.Delay.TotalMilliseconds:0.#} ms",
                    });
                    return decision;
            }
        }
        return MessageDecision.Deliver;
    }

    // A task and its answer draw separately; task ids are unique within a run.
    private static long Key(long taskId, MessageKind kind) => 4 * taskId + (kind == MessageKind.Task ? 0 : 2);

    /// <summary>The hook for worker <paramref name="workerId"/>: slow-worker and corrupt-gradient faults, then <paramref name="inner"/>.</summary>
    public IWorkerFaults ForWorker(int workerId, IWorkerFaults? inner = null) => new WorkerHook(this, workerId, inner ?? NoFaults.Instance);

    private sealed class WorkerHook(FaultInjector injector, int workerId, IWorkerFaults inner) : IWorkerFaults
    {
        public void BeforeTask(int id, long taskId) => inner.BeforeTask(id, taskId);

        public void BeforeTask(int id, long taskId, long step)
        {
            foreach (var (i, fault) in injector.Active(step))
            {
                if (fault is not SlowWorker slow || slow.Worker != workerId) continue;
                double ms = slow.Delay.SampleMs(injector._plan.Random(i, (int)step, taskId));
                if (injector.FireOnceAt(i, 0)) injector.Record(i, step, $"slowed worker {workerId} (first delay {ms:0.#} ms)");
                if (ms > 0) Thread.Sleep(TimeSpan.FromMilliseconds(ms));
            }
            inner.BeforeTask(id, taskId, step);
        }

        public void AfterGradient(int id, long taskId, float[] gradient) => inner.AfterGradient(id, taskId, gradient);

        public void AfterGradient(int id, long taskId, long step, float[] gradient)
        {
            for (int i = 0; i < injector._plan.Faults.Count; i++)
            {
                if (injector._plan.Faults[i] is not CorruptGradient corrupt || corrupt.Worker != workerId) continue;
                if (step < corrupt.ResolveStep(injector._stepsPerEpoch) || !injector.FireOnce(i)) continue;
                gradient[gradient.Length / 2] = corrupt.Injected;
                injector.Record(i, step, $"corrupted a gradient of worker {workerId} with {corrupt.Injected}");
            }
            inner.AfterGradient(id, taskId, step, gradient);
        }
    }
}

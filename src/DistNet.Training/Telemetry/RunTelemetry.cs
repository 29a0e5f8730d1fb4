using DistNet.Training.Workers;

namespace DistNet.Training.Telemetry;

/// <summary>
/// One training run's measurements: the instruments (<see cref="TrainingInstruments"/>), a summary per
/// epoch (<see cref="Epochs"/>), the straggler report at the end (<see cref="Straggler"/>) and, when
/// asked for, the timeline (<see cref="Trace"/>). Whoever runs the training creates it and hands it to
/// the parameter server (LocalTraining.Run, ClusterNode.RunParameterServer), which records into it
/// from its own thread; read it after the run. Only <see cref="RecordInstant"/> may be called from any
/// thread at any time. One instance per run. What is measured and what is estimated: docs/observability.md.
/// </summary>
public sealed class RunTelemetry : IDisposable
{
    // Trace names, interned once, so that recording a span formats and allocates nothing.
    private static readonly int StepName = TraceWriter.Label("step"), WaitName = TraceWriter.Label("wait for weights"),
        MailboxName = TraceWriter.Label("mailbox"), FaultName = TraceWriter.Label("fault"), ComputeName = TraceWriter.Label("compute"),
        SerializeName = TraceWriter.Label("serialize"), WireName = TraceWriter.Label("wire"), DeserializeName = TraceWriter.Label("deserialize"),
        GatherName = TraceWriter.Label("wait for gradients"), CombineName = TraceWriter.Label("combine"), ApplyName = TraceWriter.Label("apply"),
        BlockedName = TraceWriter.Label("blocked (ssp)"),
        StepCategory = TraceWriter.Label("step"), PhaseCategory = TraceWriter.Label("phase"), ServerCategory = TraceWriter.Label("server"),
        WorkerArg = TraceWriter.Label("worker"), StalenessArg = TraceWriter.Label("staleness"), SlowestArg = TraceWriter.Label("slowest"),
        DelayName = TraceWriter.Label("injected delay"), MicrosecondsArg = TraceWriter.Label("microseconds"), EventCategoryId = TraceWriter.Label("event");
    private const string EventCategory = "event";

    private sealed class WorkerState(int id)
    {
        public readonly int Id = id;
        // This epoch.
        public int Tasks;
        public long ComputeNs, WaitNs, FaultNs, MailboxNs, CodecNs, WireNs, BytesSent, BytesReceived;
        public bool HasMailbox, HasCodec;
        public double EpochWaitedOn;
        public readonly List<double> EpochSteps = new();
        // The whole run.
        public readonly List<double> Steps = new();
        public double WaitedOn, ShareSum;
        public int ShareSteps;
        // The barrier step in progress: when its (last) answer came, 0 if none yet.
        public long Arrival;
        // Trace: when its previous answer came.
        public long LastArrival;

        public void ResetEpoch()
        {
            Tasks = 0;
            ComputeNs = WaitNs = FaultNs = MailboxNs = CodecNs = WireNs = BytesSent = BytesReceived = 0;
            HasMailbox = HasCodec = false;
            EpochWaitedOn = 0;
            EpochSteps.Clear();
        }
    }

    private readonly SortedDictionary<int, WorkerState> _workers = new();
    private readonly List<WorkerState> _participants = new();
    private readonly List<EpochTimings> _epochs = new();
    private readonly List<double> _epochStepSeconds = new();
    private double[] _arrivals = new double[8], _blame = new double[8];
    private readonly long _origin = Clock.Now;
    private long _trainingStart, _stepStart;
    private bool _barrier;
    private int _epoch;
    private long _epochCombineNs, _epochApplyNs, _epochStalenessSum, _epochStalenessMax, _epochStalenessCount;

    /// <param name="tracePath">Write the timeline here (Chrome trace-event JSON); null for none.</param>
    public RunTelemetry(string? tracePath = null, string processName = "distnet")
    {
        Instruments = new TrainingInstruments();
        if (tracePath is not null) Trace = new TraceWriter(tracePath, _origin, processName);
    }

    public TrainingInstruments Instruments { get; }

    /// <summary>The timeline being written, or null when no trace was asked for.</summary>
    public TraceWriter? Trace { get; }

    public IReadOnlyList<EpochTimings> Epochs => _epochs;

    /// <summary>Who held the run back; filled in when training finishes.</summary>
    public StragglerReport Straggler { get; private set; } = StragglerReport.Empty;

    /// <summary>
    /// Marks a moment on the timeline, e.g. an injected fault: on the worker's track, or the server's
    /// when <paramref name="workerId"/> is null. Thread-safe; does nothing without a trace.
    /// </summary>
    public void RecordInstant(string name, int? workerId = null, string? detail = null) =>
        Trace?.Instant(workerId is { } id ? TraceWriter.WorkerTrack(id) : TraceWriter.ServerTrack, name, EventCategory, Clock.Now, detail,
            Volatile.Read(ref _epoch));

    /// <summary>Writes the rest of the trace and closes it.</summary>
    public void Dispose()
    {
        Trace?.Close();
        Instruments.Dispose();
    }

    // ---- Recording, by the parameter server only (one thread) ----
    //
    // The calls below only note their arguments; Drain() does the work (sums, instruments, trace) and
    // the server calls it right after it has sent out work, while the workers compute, so that the
    // measuring stays off the step's critical path. CloseEpoch and Finished drain first.

    private enum Kind : byte { StepBegan, Answered, StepEnded, AsyncApplied, Blocked }

    private struct Pending
    {
        public Kind Kind;
        public bool Late;
        public int Worker, Other;
        public long Step, A, B, C, D;
        public TaskTimings? Timings;
        public WireInfo? Wire;
    }

    private Pending[] _pending = new Pending[16];
    private int _pendingCount;

    private ref Pending Note(Kind kind)
    {
        if (_pendingCount == _pending.Length) Array.Resize(ref _pending, _pending.Length * 2);
        ref var p = ref _pending[_pendingCount++];
        p = default;
        p.Kind = kind;
        return ref p;
    }

    /// <summary>Does the recording noted since the last call, in order.</summary>
    internal void Drain()
    {
        for (int k = 0; k < _pendingCount; k++)
        {
            ref var p = ref _pending[k];
            switch (p.Kind)
            {
                case Kind.StepBegan: DoStepBegan(p.A); break;
                case Kind.Answered: DoAnswered(p.Worker, p.Step, p.A, p.B, p.Timings!, p.Wire, p.Other, p.Late); break;
                case Kind.StepEnded: DoStepEnded(p.Step, p.A, p.B, p.C); break;
                case Kind.AsyncApplied: DoAsyncApplied(p.Step, p.A, p.B, p.C, p.D); break;
                case Kind.Blocked: DoBlocked(p.Worker, p.Other, p.A, p.B); break;
            }
            p.Timings = null;
            p.Wire = null;
        }
        _pendingCount = 0;
    }

    /// <param name="barrier">Steps wait for all their work (sync, backup workers, local SGD), rather than async/ssp.</param>
    internal void Started(bool barrier)
    {
        _barrier = barrier;
        _trainingStart = Clock.Now;
    }

    /// <summary>Immediate: the epochs before it have been drained by <see cref="CloseEpoch"/>.</summary>
    internal void EpochBegan(int epoch) => Volatile.Write(ref _epoch, epoch);

    internal void StepBegan(long now) => Note(Kind.StepBegan).A = now;

    private void DoStepBegan(long now)
    {
        _stepStart = now;
        foreach (var p in _participants) p.Arrival = 0;
        _participants.Clear();
    }

    private WorkerState Worker(int id)
    {
        if (!_workers.TryGetValue(id, out var w)) _workers[id] = w = new WorkerState(id);
        return w;
    }

    /// <summary>An accepted answer: its worker's phases, bytes, and (barrier modes) its arrival in the step.</summary>
    /// <param name="sentAt">When the server sent the task; <paramref name="arrivedAt"/>: when it dequeued the answer.</param>
    /// <param name="floatsReceived">Floats in the answer: its size in process (4 bytes each), where nothing is serialized.</param>
    /// <param name="late">An answer after its step went on (backup workers): measured, but not part of the step.</param>
    internal void Answered(int workerId, long step, long sentAt, long arrivedAt, TaskTimings t, WireInfo? answerWire,
        int floatsReceived, bool late = false)
    {
        ref var p = ref Note(Kind.Answered);
        (p.Worker, p.Step, p.A, p.B, p.Timings, p.Wire, p.Other, p.Late) = (workerId, step, sentAt, arrivedAt, t, answerWire, floatsReceived, late);
    }

    private void DoAnswered(int workerId, long step, long sentAt, long arrivedAt, TaskTimings t, WireInfo? answerWire,
        int floatsReceived, bool late)
    {
        var w = Worker(workerId);
        long roundTripNs = Clock.Ns(sentAt, arrivedAt);
        bool crossed = answerWire is not null || t.MailboxNs < 0;
        long mailboxNs = 0, codecNs = 0, wireNs = 0;
        if (crossed)
        {
            codecNs = t.TaskEncodeNs + t.TaskDecodeNs + (answerWire?.EncodeNs ?? 0) + (answerWire?.DecodeNs ?? 0);
            wireNs = Math.Max(0, roundTripNs - t.BusyNs - codecNs);
        }
        else
        {
            long back = t.RepliedAt != 0 ? Clock.Ns(t.RepliedAt, arrivedAt) : 0;
            mailboxNs = Math.Max(0, t.MailboxNs) + back;
        }
        long bytesReceived = answerWire?.Bytes ?? 4L * floatsReceived;

        w.Tasks++;
        w.ComputeNs += t.ComputeNs;
        w.WaitNs += t.WaitNs;
        w.FaultNs += t.FaultNs;
        if (crossed) { w.CodecNs += codecNs; w.WireNs += wireNs; w.HasCodec = true; }
        else { w.MailboxNs += mailboxNs; w.HasMailbox = true; }
        w.BytesSent += t.TaskBytes;
        w.BytesReceived += bytesReceived;
        double roundTrip = Clock.Seconds(roundTripNs);
        w.EpochSteps.Add(roundTrip);
        w.Steps.Add(roundTrip);
        if (_barrier && !late)
        {
            if (w.Arrival == 0) _participants.Add(w);
            w.Arrival = arrivedAt;
        }

        var i = Instruments;
        var tag = i.Worker(workerId);
        i.WorkerStepDuration.Record(roundTrip, tag);
        i.ComputeDuration.Record(Clock.Seconds(t.ComputeNs), tag);
        i.WaitDuration.Record(Clock.Seconds(t.WaitNs), tag);
        if (t.FaultNs > 0) i.FaultDuration.Record(Clock.Seconds(t.FaultNs), tag);
        if (crossed)
        {
            i.CodecDuration.Record(Clock.Seconds(codecNs), tag);
            i.WireDuration.Record(Clock.Seconds(wireNs), tag);
        }
        else i.MailboxDuration.Record(Clock.Seconds(mailboxNs), tag);
        i.BytesSent.Add(t.TaskBytes, tag);
        i.BytesReceived.Add(bytesReceived, tag);

        if (Trace is { } trace) TraceAnswer(trace, w, step, sentAt, arrivedAt, t, answerWire, crossed, wireNs);
        w.LastArrival = arrivedAt;
    }

    private void TraceAnswer(TraceWriter trace, WorkerState w, long step, long sentAt, long arrivedAt, TaskTimings t,
        WireInfo? answerWire, bool crossed, long wireNs)
    {
        int track = TraceWriter.WorkerTrack(w.Id);
        if (t.FaultNs > 0)
        {
            // An injected fault is a moment too (the fault span shows how long it held the worker).
            long faultAt = crossed ? Clock.After(sentAt, t.TaskEncodeNs + wireNs / 2 + t.TaskDecodeNs)
                : t.RepliedAt != 0 ? Clock.After(t.RepliedAt, -t.BusyNs) : sentAt;
            trace.Instant(track, DelayName, EventCategoryId, Math.Min(faultAt, arrivedAt), _epoch, step, MicrosecondsArg, t.FaultNs / 1000);
        }
        if (w.LastArrival != 0 && sentAt > w.LastArrival)
            trace.Span(track, WaitName, PhaseCategory, w.LastArrival, sentAt, 0, 0);
        trace.Span(track, StepName, StepCategory, sentAt, arrivedAt, _epoch, step, WorkerArg, w.Id);
        if (!crossed)
        {
            // One clock: every phase sits where it happened.
            long received = t.RepliedAt != 0 ? Clock.After(t.RepliedAt, -t.BusyNs) : Clock.After(sentAt, Math.Max(0, t.MailboxNs));
            long replied = t.RepliedAt != 0 ? t.RepliedAt : Clock.After(received, t.BusyNs);
            Phase(trace, track, MailboxName, sentAt, received, arrivedAt, step);
            long computeStart = Phase(trace, track, FaultName, received, Clock.After(received, t.FaultNs), arrivedAt, step);
            Phase(trace, track, ComputeName, computeStart, Clock.After(computeStart, t.ComputeNs), arrivedAt, step);
            Phase(trace, track, MailboxName, replied, arrivedAt, arrivedAt, step);
            return;
        }
        // Across processes only durations are known: the phases are laid end to end from the send, and
        // the estimated wire time is split evenly between the two directions.
        long outbound = wireNs / 2, cursor = sentAt;
        cursor = Phase(trace, track, SerializeName, cursor, Clock.After(cursor, t.TaskEncodeNs), arrivedAt, step);
        cursor = Phase(trace, track, WireName, cursor, Clock.After(cursor, outbound), arrivedAt, step);
        cursor = Phase(trace, track, DeserializeName, cursor, Clock.After(cursor, t.TaskDecodeNs), arrivedAt, step);
        long busyEnd = Clock.After(cursor, t.BusyNs);
        cursor = Phase(trace, track, FaultName, cursor, Clock.After(cursor, t.FaultNs), arrivedAt, step);
        Phase(trace, track, ComputeName, cursor, Clock.After(cursor, t.ComputeNs), arrivedAt, step);
        cursor = busyEnd;
        cursor = Phase(trace, track, SerializeName, cursor, Clock.After(cursor, answerWire?.EncodeNs ?? 0), arrivedAt, step);
        cursor = Phase(trace, track, WireName, cursor, Clock.After(cursor, wireNs - outbound), arrivedAt, step);
        Phase(trace, track, DeserializeName, cursor, arrivedAt, arrivedAt, step);
    }

    /// <summary>A phase span clamped to end by <paramref name="limit"/>; empty ones are left out. Returns its end.</summary>
    /// <remarks>Phases carry no arguments: they sit inside their step's span, which has them.</remarks>
    private static long Phase(TraceWriter trace, int track, int name, long start, long end, long limit, long step)
    {
        start = Math.Min(start, limit);
        end = Math.Min(end, limit);
        if (end > start) trace.Span(track, name, PhaseCategory, start, end, 0, 0);
        return Math.Max(start, end);
    }

    /// <summary>A barrier step is done: it waited from its start until <paramref name="gathered"/> (the last answer), then combined and applied.</summary>
    internal void StepEnded(long step, long gathered, long combined, long applied)
    {
        ref var p = ref Note(Kind.StepEnded);
        (p.Step, p.A, p.B, p.C) = (step, gathered, combined, applied);
    }

    private void DoStepEnded(long step, long gathered, long combined, long applied)
    {
        int n = _participants.Count;
        if (_arrivals.Length < n) { _arrivals = new double[n * 2]; _blame = new double[n * 2]; }
        double last = 0;
        for (int k = 0; k < n; k++)
        {
            _arrivals[k] = Clock.Seconds(Clock.Ns(_stepStart, _participants[k].Arrival));
            last = Math.Max(last, _arrivals[k]);
        }
        StragglerReport.Blame(_arrivals.AsSpan(0, n), _blame.AsSpan(0, n));
        double others = (n - 1) * last;
        for (int k = 0; k < n; k++)
        {
            var p = _participants[k];
            p.WaitedOn += _blame[k];
            p.EpochWaitedOn += _blame[k];
            p.ShareSum += others > 0 ? _blame[k] / others : 0; // as StragglerReport.Shares
            p.ShareSteps++;
        }
        long combineNs = Clock.Ns(gathered, combined), applyNs = Clock.Ns(combined, applied);
        _epochCombineNs += combineNs;
        _epochApplyNs += applyNs;
        double stepSeconds = Clock.Seconds(Clock.Ns(_stepStart, applied));
        _epochStepSeconds.Add(stepSeconds);

        var i = Instruments;
        i.Steps.Add(1);
        i.StepDuration.Record(stepSeconds);
        i.CombineDuration.Record(Clock.Seconds(combineNs));
        if (applied > combined) i.ApplyDuration.Record(Clock.Seconds(applyNs));

        if (Trace is { } trace)
        {
            int s = TraceWriter.ServerTrack;
            trace.Span(s, StepName, StepCategory, _stepStart, applied, _epoch, step);
            trace.Span(s, GatherName, ServerCategory, _stepStart, gathered, 0, 0);
            trace.Span(s, CombineName, ServerCategory, gathered, combined, 0, 0);
            if (applied > combined) trace.Span(s, ApplyName, ServerCategory, combined, applied, 0, 0);
        }
    }

    /// <summary>async/ssp: a gradient sent at <paramref name="sentAt"/> was applied from <paramref name="applyStart"/> to <paramref name="applied"/>.</summary>
    internal void AsyncApplied(long step, long sentAt, long applyStart, long applied, long staleness)
    {
        ref var p = ref Note(Kind.AsyncApplied);
        (p.Step, p.A, p.B, p.C, p.D) = (step, sentAt, applyStart, applied, staleness);
    }

    private void DoAsyncApplied(long step, long sentAt, long applyStart, long applied, long staleness)
    {
        long applyNs = Clock.Ns(applyStart, applied);
        _epochApplyNs += applyNs;
        _epochStalenessSum += staleness;
        _epochStalenessMax = Math.Max(_epochStalenessMax, staleness);
        _epochStalenessCount++;
        double stepSeconds = Clock.Seconds(Clock.Ns(sentAt, applied));
        _epochStepSeconds.Add(stepSeconds);

        var i = Instruments;
        i.Steps.Add(1);
        i.StepDuration.Record(stepSeconds);
        i.ApplyDuration.Record(Clock.Seconds(applyNs));
        i.Staleness.Record(staleness);
        Trace?.Span(TraceWriter.ServerTrack, ApplyName, ServerCategory, applyStart, applied, _epoch, step, StalenessArg, staleness);
    }

    /// <summary>ssp: a worker sat idle from <paramref name="since"/> to <paramref name="until"/> because it was too far ahead of <paramref name="slowest"/>.</summary>
    internal void Blocked(int workerId, int slowest, long since, long until)
    {
        ref var p = ref Note(Kind.Blocked);
        (p.Worker, p.Other, p.A, p.B) = (workerId, slowest, since, until);
    }

    private void DoBlocked(int workerId, int slowest, long since, long until)
    {
        double seconds = Clock.Seconds(Clock.Ns(since, until));
        if (slowest >= 0)
        {
            var blamed = Worker(slowest);
            blamed.WaitedOn += seconds;
            blamed.EpochWaitedOn += seconds;
        }
        Trace?.Span(TraceWriter.WorkerTrack(workerId), BlockedName, PhaseCategory, since, until, _epoch, 0, SlowestArg, slowest);
    }

    /// <summary>Something the server noticed (a timeout, a lost or restarted worker, a refused gradient).</summary>
    internal void Noticed(string name, int? workerId, string? detail = null) => RecordInstant(name, workerId, detail);

    internal EpochTimings CloseEpoch(int epoch)
    {
        Drain();
        var workers = new List<WorkerEpochTimings>(_workers.Count);
        foreach (var w in _workers.Values)
        {
            if (w.Tasks == 0 && w.EpochWaitedOn == 0) continue;
            var steps = SortedCopy(w.EpochSteps);
            workers.Add(new WorkerEpochTimings(w.Id, w.Tasks, StragglerReport.Percentile(steps, 0.5), StragglerReport.Percentile(steps, 0.95),
                Clock.Seconds(w.ComputeNs), Clock.Seconds(w.WaitNs), Clock.Seconds(w.FaultNs),
                w.HasMailbox ? Clock.Seconds(w.MailboxNs) : null,
                w.HasCodec ? Clock.Seconds(w.CodecNs) : null,
                w.HasCodec ? Clock.Seconds(w.WireNs) : null,
                w.BytesSent, w.BytesReceived, w.EpochWaitedOn));
            w.ResetEpoch();
        }
        var serverSteps = SortedCopy(_epochStepSeconds);
        var timings = new EpochTimings(epoch, serverSteps.Length,
            StragglerReport.Percentile(serverSteps, 0.5), StragglerReport.Percentile(serverSteps, 0.95),
            Clock.Seconds(_epochCombineNs), Clock.Seconds(_epochApplyNs),
            _barrier ? null : _epochStalenessCount == 0 ? 0 : (double)_epochStalenessSum / _epochStalenessCount,
            _barrier ? null : _epochStalenessMax,
            workers);
        _epochs.Add(timings);
        _epochStepSeconds.Clear();
        _epochCombineNs = _epochApplyNs = _epochStalenessSum = _epochStalenessMax = _epochStalenessCount = 0;
        Trace?.Instant(TraceWriter.ServerTrack, "epoch end", EventCategory, Clock.Now, null, epoch);
        return timings;
    }

    private static double[] SortedCopy(List<double> values)
    {
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>Training is over: the straggler report.</summary>
    internal void Finished()
    {
        Drain();
        // Barrier modes: the mean share over a worker's steps, so that one long step (a pause of the whole
        // process) does not outweigh the rest. No barrier (ssp): the others' time is the whole run.
        double othersSeconds = Math.Max(0, _workers.Values.Count(w => w.Steps.Count > 0) - 1)
            * Clock.Seconds(Clock.Ns(_trainingStart, Clock.Now));
        Straggler = StragglerReport.From(_workers.Values
            .Where(w => w.Steps.Count > 0)
            .Select(w => new WorkerSamples(w.Id, w.Steps, w.WaitedOn,
                _barrier ? (w.ShareSteps > 0 ? w.ShareSum / w.ShareSteps : 0) : othersSeconds > 0 ? w.WaitedOn / othersSeconds : 0)));
    }
}

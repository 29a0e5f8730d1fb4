using System.Globalization;
using DistNet.Core.Random;

namespace DistNet.Training.Faults;

/// <summary>The kinds of fault a plan can inject; their names in plans are <see cref="FaultNames"/>.</summary>
public enum FaultKind { KillWorker, CrashServer, SlowWorker, Drop, Duplicate, Delay, CorruptGradient, Partition }

/// <summary>Which messages a drop / duplicate / delay fault touches.</summary>
public enum MessageKind
{
    /// <summary>Server → worker: work orders (<c>ComputeGradients</c>, <c>RunLocalSteps</c>).</summary>
    Task,
    /// <summary>Worker → server: results (<c>GradientsComputed</c>, <c>LocalStepsDone</c>).</summary>
    Gradient,
    /// <summary>Both directions.</summary>
    Any,
}

/// <summary>What a corrupt-gradient fault writes into a gradient.</summary>
public enum CorruptValue
{
    NaN,
    Infinity,
    /// <summary>A finite but absurd value, <see cref="CorruptGradient.HugeValue"/>.</summary>
    Huge,
}

/// <summary>
/// When a fault fires: a global optimiser step (1-based: step 1 is the first update) or the first
/// step of an epoch (1-based, as the server counts epochs). Never wall-clock time, so a plan
/// replays the same way on every run.
/// </summary>
public readonly record struct FaultTime
{
    private FaultTime(int value, bool isEpoch) { Value = value; IsEpoch = isEpoch; }

    public int Value { get; }
    public bool IsEpoch { get; }

    public static FaultTime Step(int step) =>
        step >= 1 ? new(step, false) : throw new ArgumentOutOfRangeException(nameof(step), step, "steps are 1-based");

    public static FaultTime Epoch(int epoch) =>
        epoch >= 1 ? new(epoch, true) : throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "epochs are 1-based");

    /// <summary>The global step: a step as is; epoch E is step (E − 1) × stepsPerEpoch + 1.</summary>
    public int ResolveStep(int stepsPerEpoch)
    {
        if (Value < 1) throw new InvalidOperationException("default(FaultTime) is not a time; use FaultTime.Step or FaultTime.Epoch");
        if (!IsEpoch) return Value;
        if (stepsPerEpoch < 1) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, "must be at least 1");
        return checked((Value - 1) * stepsPerEpoch + 1);
    }

    public override string ToString() => (IsEpoch ? "epoch " : "step ") + Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// One fault of a plan. Records compare by value, so a plan read from JSON equals the same plan
/// given as <c>--fault</c> options. Build them directly, or read them with <see cref="FaultPlan"/>,
/// which checks every field and says what is wrong in one line.
/// </summary>
public abstract record Fault(FaultTime At)
{
    public abstract FaultKind Kind { get; }

    /// <summary>The step the fault fires at, when the plan gave a step.</summary>
    public int? AtStep => At.IsEpoch ? null : At.Value;

    /// <summary>The epoch the fault fires at (its first step), when the plan gave an epoch.</summary>
    public int? AtEpoch => At.IsEpoch ? At.Value : null;

    /// <inheritdoc cref="FaultTime.ResolveStep"/>
    public int ResolveStep(int stepsPerEpoch) => At.ResolveStep(stepsPerEpoch);

    /// <summary>
    /// For how many steps, from the one it fires at, the fault is in effect; null = until the end
    /// of training. 1 for one-shot faults (crash-server, corrupt-gradient); for kill-worker, the
    /// steps the worker stays dead.
    /// </summary>
    public abstract int? ActiveSteps { get; }

    /// <summary>True at the step the fault fires at.</summary>
    public bool FiresAt(int step, int stepsPerEpoch) => step == ResolveStep(stepsPerEpoch);

    /// <summary>True while the fault is in effect: from its step for <see cref="ActiveSteps"/> steps.</summary>
    public bool IsActiveAt(int step, int stepsPerEpoch)
    {
        int first = ResolveStep(stepsPerEpoch);
        return step >= first && (ActiveSteps is not int n || step - first < n);
    }

    /// <summary>One line for logs and reports, e.g. "step 30: kill worker 1, restart it after 10 steps".</summary>
    public string Describe() => $"{At}: {What()}";

    /// <summary>The fault in <c>--fault</c> syntax, e.g. "kill-worker:worker=1,step=30,restart-after=10".</summary>
    public string ToOption()
    {
        var fields = new List<string> { At.IsEpoch ? $"epoch={At.Value}" : $"step={At.Value}" };
        foreach (var (name, value) in Fields()) if (value is not null) fields.Add($"{name}={value}");
        return FaultNames.Of(Kind) + ":" + string.Join(",", fields);
    }

    private protected abstract string What();

    /// <summary>Fields besides the time, in plan syntax (null = not given).</summary>
    private protected abstract IEnumerable<(string Name, string? Value)> Fields();

    private protected static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private protected static string? Inv(double? x) => x?.ToString("R", CultureInfo.InvariantCulture);

    private protected static string? Inv(int? x) => x?.ToString(CultureInfo.InvariantCulture);

    private protected static string For(int? steps) => steps is int n ? Inv($" for {n} step{(n == 1 ? "" : "s")}") : " until the end";
}

/// <summary>Stop a worker (in process: stop its actor; in a cluster: end its process); optionally start it again.</summary>
public sealed record KillWorker(FaultTime At, int Worker, int? RestartAfter = null) : Fault(At)
{
    public override FaultKind Kind => FaultKind.KillWorker;
    public override int? ActiveSteps => RestartAfter;
    private protected override string What() =>
        Inv($"kill worker {Worker}") + (RestartAfter is int r ? Inv($", restart it after {r} step{(r == 1 ? "" : "s")}") : ", no restart");
    private protected override IEnumerable<(string, string?)> Fields() =>
        [("worker", Inv(Worker)), ("restart-after", Inv(RestartAfter))];
}

/// <summary>The parameter server dies and must recover.</summary>
public sealed record CrashServer(FaultTime At) : Fault(At)
{
    public override FaultKind Kind => FaultKind.CrashServer;
    public override int? ActiveSteps => 1;
    private protected override string What() => "crash the parameter server";
    private protected override IEnumerable<(string, string?)> Fields() => [];
}

/// <summary>A straggler: before each task in the window, the worker waits a delay drawn from <see cref="Delay"/>.</summary>
public sealed record SlowWorker(FaultTime At, int Worker, DelayDistribution Delay, int? Steps = null) : Fault(At)
{
    public override FaultKind Kind => FaultKind.SlowWorker;
    public override int? ActiveSteps => Steps;
    private protected override string What() => Inv($"slow worker {Worker} by {Delay.Describe()} per task") + For(Steps);
    private protected override IEnumerable<(string, string?)> Fields() =>
        [("worker", Inv(Worker)), .. Delay.Fields(), ("steps", Inv(Steps))];
}

/// <summary>Drop, duplicate or delay messages of a kind, each with a probability, optionally only one worker's.</summary>
public abstract record MessageFault(FaultTime At, MessageKind Message, double Probability, int? Worker, int? Steps) : Fault(At)
{
    public override int? ActiveSteps => Steps;
    private protected abstract string Verb { get; }
    private protected override string What()
    {
        string what = Message switch { MessageKind.Task => "task", MessageKind.Gradient => "gradient", _ => "all" };
        string whose = Worker is int w ? Inv($" of worker {w}") : "";
        return Inv($"{Verb} {what} messages{whose} with probability {Inv(Probability)}") + Extra() + For(Steps);
    }
    private protected virtual string Extra() => "";
    private protected override IEnumerable<(string, string?)> Fields() =>
        [("message", FaultNames.Of(Message)), ("probability", Inv(Probability)), ("worker", Inv(Worker)), .. ExtraFields(), ("steps", Inv(Steps))];
    private protected virtual IEnumerable<(string, string?)> ExtraFields() => [];
}

public sealed record DropMessages(FaultTime At, MessageKind Message, double Probability, int? Worker = null, int? Steps = null)
    : MessageFault(At, Message, Probability, Worker, Steps)
{
    public override FaultKind Kind => FaultKind.Drop;
    private protected override string Verb => "drop";
}

/// <summary>Deliver a hit message twice.</summary>
public sealed record DuplicateMessages(FaultTime At, MessageKind Message, double Probability, int? Worker = null, int? Steps = null)
    : MessageFault(At, Message, Probability, Worker, Steps)
{
    public override FaultKind Kind => FaultKind.Duplicate;
    private protected override string Verb => "duplicate";
}

/// <summary>Hold a hit message back for a delay drawn from <see cref="Delay"/>.</summary>
public sealed record DelayMessages(FaultTime At, MessageKind Message, double Probability, DelayDistribution Delay, int? Worker = null, int? Steps = null)
    : MessageFault(At, Message, Probability, Worker, Steps)
{
    public override FaultKind Kind => FaultKind.Delay;
    private protected override string Verb => "delay";
    private protected override string Extra() => " by " + Delay.Describe();
    private protected override IEnumerable<(string, string?)> ExtraFields() => Delay.Fields();
}

/// <summary>Write NaN, +∞ or a huge value into the gradient a worker sends for the step.</summary>
public sealed record CorruptGradient(FaultTime At, int Worker, CorruptValue Value) : Fault(At)
{
    /// <summary>What <see cref="CorruptValue.Huge"/> writes: finite, but it swamps every real gradient.</summary>
    public const float HugeValue = 1e30f;

    public override FaultKind Kind => FaultKind.CorruptGradient;
    public override int? ActiveSteps => 1;

    /// <summary>The float to write.</summary>
    public float Injected => Value switch
    {
        CorruptValue.NaN => float.NaN,
        CorruptValue.Infinity => float.PositiveInfinity,
        _ => HugeValue,
    };

    private protected override string What() =>
        Inv($"corrupt worker {Worker}'s gradient with ") + Value switch { CorruptValue.NaN => "NaN", CorruptValue.Infinity => "+∞", _ => "1e30" };
    private protected override IEnumerable<(string, string?)> Fields() =>
        [("worker", Inv(Worker)), ("value", FaultNames.Of(Value))];
}

/// <summary>Cut a worker off from the server both ways (in process: drop every message between them).</summary>
public sealed record Partition(FaultTime At, int Worker, int? Steps = null) : Fault(At)
{
    public override FaultKind Kind => FaultKind.Partition;
    public override int? ActiveSteps => Steps;
    private protected override string What() => Inv($"cut worker {Worker} off from the server") + For(Steps);
    private protected override IEnumerable<(string, string?)> Fields() => [("worker", Inv(Worker)), ("steps", Inv(Steps))];
}

/// <summary>A delay in milliseconds: fixed, uniform between two bounds, or exponential with a mean.</summary>
public abstract record DelayDistribution
{
    private DelayDistribution() { }

    public sealed record Fixed(double Ms) : DelayDistribution;
    public sealed record Uniform(double MinMs, double MaxMs) : DelayDistribution;
    public sealed record Exponential(double MeanMs) : DelayDistribution;

    /// <summary>One delay in ms; draws from <paramref name="rng"/> only when random (Fixed draws nothing).</summary>
    public double SampleMs(Rng rng) => this switch
    {
        Fixed f => f.Ms,
        Uniform u => rng.NextDouble(u.MinMs, u.MaxMs),
        Exponential e => -e.MeanMs * Math.Log(1.0 - rng.NextDouble()),
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The plan syntax: "fixed:20", "uniform:5-50", "exponential:20" (sealed, so the nested records keep it).</summary>
    public sealed override string ToString() => this switch
    {
        Fixed f => "fixed:" + N(f.Ms),
        Uniform u => "uniform:" + N(u.MinMs) + "-" + N(u.MaxMs),
        Exponential e => "exponential:" + N(e.MeanMs),
        _ => throw new InvalidOperationException(),
    };

    internal string Describe() => this switch
    {
        Fixed f => N(f.Ms) + " ms",
        Uniform u => N(u.MinMs) + "–" + N(u.MaxMs) + " ms (uniform)",
        Exponential e => N(e.MeanMs) + " ms on average (exponential)",
        _ => throw new InvalidOperationException(),
    };

    /// <summary>A fixed delay is written back as delay-ms, others as distribution.</summary>
    internal IEnumerable<(string, string?)> Fields() =>
        this is Fixed f ? [("delay-ms", N(f.Ms))] : [("distribution", ToString())];

    private static string N(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>The names used in plan files and <c>--fault</c> options.</summary>
public static class FaultNames
{
    private static readonly (FaultKind Kind, string Name)[] Kinds =
    [
        (FaultKind.KillWorker, "kill-worker"), (FaultKind.CrashServer, "crash-server"), (FaultKind.SlowWorker, "slow-worker"),
        (FaultKind.Drop, "drop"), (FaultKind.Duplicate, "duplicate"), (FaultKind.Delay, "delay"),
        (FaultKind.CorruptGradient, "corrupt-gradient"), (FaultKind.Partition, "partition"),
    ];

    public static IReadOnlyList<string> AllKinds { get; } = Kinds.Select(k => k.Name).ToArray();

    public static string Of(FaultKind kind) => Kinds.First(k => k.Kind == kind).Name;

    public static string Of(MessageKind kind) => kind switch { MessageKind.Task => "task", MessageKind.Gradient => "gradient", _ => "any" };

    public static string Of(CorruptValue value) => value switch { CorruptValue.NaN => "nan", CorruptValue.Infinity => "inf", _ => "huge" };

    public static bool TryParseKind(string name, out FaultKind kind)
    {
        foreach (var (k, n) in Kinds)
            if (n == name) { kind = k; return true; }
        kind = default;
        return false;
    }
}

using System.Text;
using DistNet.Core.Random;

namespace DistNet.Training.Faults;

/// <summary>A fault plan that cannot be read or is wrong; the message is one line naming the file (or option), the fault and the problem.</summary>
public sealed class FaultPlanException(string message) : Exception(message);

/// <summary>
/// What to break, when and how: faults scheduled by training step or epoch (never wall-clock
/// time), and a seed for every random decision, so that a run with a plan replays the same way.
/// Read from a JSON file (<see cref="Load"/>) or <c>--fault</c> options (<see cref="ParseOptions"/>);
/// the format is in docs/faults.md. Faults are identified by their index in <see cref="Faults"/>.
/// </summary>
/// <param name="Seed">Seeds the random decisions; null = the training seed (<see cref="WithDefaultSeed"/>).</param>
public sealed record FaultPlan(IReadOnlyList<Fault> Faults, long? Seed = null)
{
    public static FaultPlan Empty { get; } = new([]);

    public bool IsEmpty => Faults.Count == 0;

    /// <summary>Reads a JSON plan file.</summary>
    /// <exception cref="FaultPlanException">The file is missing, unreadable, not JSON, or a fault is wrong.</exception>
    public static FaultPlan Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FaultPlanException($"{path}: no such fault plan file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FaultPlanException($"{path}: cannot read the fault plan: {e.Message}");
        }
        return FaultPlanParser.ParseJson(bytes, path);
    }

    /// <summary>Parses a JSON plan; <paramref name="source"/> names it in error messages.</summary>
    public static FaultPlan ParseJson(string json, string source = "fault plan") =>
        FaultPlanParser.ParseJson(Encoding.UTF8.GetBytes(json), source);

    /// <summary>
    /// Parses <c>--fault</c> options, one fault each: <c>KIND:FIELD=VALUE,…</c> with the field names
    /// of the JSON format, e.g. <c>kill-worker:worker=1,step=30,restart-after=10</c>.
    /// <paramref name="firstIndex"/> numbers them after the faults of a plan file they will be appended to.
    /// </summary>
    public static FaultPlan ParseOptions(IEnumerable<string> options, long? seed = null, int firstIndex = 0) =>
        new(options.Select((o, i) => FaultPlanParser.ParseOption(o, firstIndex + i)).ToArray(), seed);

    /// <summary>One <c>--fault</c> option.</summary>
    public static Fault ParseOption(string option, int index = 0) => FaultPlanParser.ParseOption(option, index);

    /// <summary>This plan's faults followed by <paramref name="more"/>'s (e.g. a file, then --fault options); this plan's seed wins.</summary>
    public FaultPlan Concat(FaultPlan more) => new([.. Faults, .. more.Faults], Seed ?? more.Seed);

    /// <summary>The plan with <see cref="Seed"/> set to <paramref name="trainingSeed"/> when the plan gave none.</summary>
    public FaultPlan WithDefaultSeed(long trainingSeed) => Seed is null ? this with { Seed = trainingSeed } : this;

    /// <summary>
    /// Refuses faults naming a worker that does not exist.
    /// </summary>
    /// <exception cref="FaultPlanException">A fault names worker ≥ <paramref name="workers"/>.</exception>
    public void CheckWorkers(int workers, string source = "fault plan")
    {
        for (int i = 0; i < Faults.Count; i++)
        {
            int? w = Faults[i] switch
            {
                KillWorker k => k.Worker, SlowWorker s => s.Worker, MessageFault m => m.Worker,
                CorruptGradient c => c.Worker, Partition p => p.Worker, _ => null,
            };
            if (w >= workers)
                throw new FaultPlanException(
                    $"{source}: faults[{i}] ({FaultNames.Of(Faults[i].Kind)}): worker {w} does not exist; there are {workers} worker{(workers == 1 ? "" : "s")}, 0 to {workers - 1}");
        }
    }

    /// <summary>
    /// The random source for one decision of fault <paramref name="faultIndex"/> at global step
    /// <paramref name="step"/>. It depends only on the seed, the fault, the step and
    /// <paramref name="key"/> — never on timing — so the same plan makes the same decisions on
    /// every run. Use <paramref name="key"/> to tell apart several decisions in one step by something
    /// deterministic (worker id, micro-shard index, the message's number in the worker's step),
    /// not by arrival order.
    /// </summary>
    /// <exception cref="InvalidOperationException">No seed yet: call <see cref="WithDefaultSeed"/> first.</exception>
    public Rng Random(int faultIndex, int step, long key = 0)
    {
        if (Seed is not long seed) throw new InvalidOperationException("the fault plan has no seed yet; call WithDefaultSeed(trainingSeed) first");
        if ((uint)faultIndex >= (uint)Faults.Count) throw new ArgumentOutOfRangeException(nameof(faultIndex));
        return Rng.ForPurpose(seed, $"fault/{faultIndex}/{step}", key);
    }

    /// <summary>Whether message fault <paramref name="faultIndex"/> hits the message identified by (<paramref name="step"/>, <paramref name="key"/>): a draw below its probability.</summary>
    public bool Hits(int faultIndex, int step, long key = 0)
    {
        if (Faults[faultIndex] is not MessageFault m)
            throw new ArgumentException($"faults[{faultIndex}] is {FaultNames.Of(Faults[faultIndex].Kind)}, not a message fault", nameof(faultIndex));
        return m.Probability >= 1 || (m.Probability > 0 && Random(faultIndex, step, key).NextDouble() < m.Probability);
    }

    /// <summary>The faults in effect at <paramref name="step"/> (see <see cref="Fault.IsActiveAt"/>), with their indices, in plan order.</summary>
    public IEnumerable<(int Index, Fault Fault)> ActiveAt(int step, int stepsPerEpoch)
    {
        for (int i = 0; i < Faults.Count; i++)
            if (Faults[i].IsActiveAt(step, stepsPerEpoch)) yield return (i, Faults[i]);
    }

    /// <summary>One line per fault, e.g. "faults[0] step 30: kill worker 1, restart it after 10 steps".</summary>
    public IReadOnlyList<string> Describe() =>
        Faults.Select((f, i) => $"faults[{i}] {f.Describe()}").ToArray();

    public bool Equals(FaultPlan? other) =>
        other is not null && Seed == other.Seed && Faults.SequenceEqual(other.Faults);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Seed);
        foreach (var f in Faults) h.Add(f);
        return h.ToHashCode();
    }
}

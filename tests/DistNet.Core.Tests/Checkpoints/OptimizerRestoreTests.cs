using DistNet.Core.Checkpoints;
using DistNet.Core.Optim;
using DistNet.Core.Random;
using DistNet.Core.Tests.Data;

namespace DistNet.Core.Tests.Checkpoints;

/// <summary>An optimiser saved to a checkpoint file and restored continues exactly as if never stopped.</summary>
public class OptimizerRestoreTests
{
    private const int Length = 1003; // whole vectors and a tail, for any vector width up to 512 bits
    private const int TotalSteps = 12, StopAfter = 5;

    /// <summary>A gradient depending on the step and the current parameters, like a real one, so any drift compounds.</summary>
    private static float[] Gradient(long step, float[] parameters)
    {
        var rng = Rng.ForPurpose(7, "gradient", step);
        var g = new float[parameters.Length];
        for (int i = 0; i < g.Length; i++) g[i] = 0.3f * parameters[i] + (float)rng.NextDouble(-1, 1) * (i % 7 == 0 ? 1e-4f : 1f);
        return g;
    }

    private static float[] InitialParameters()
    {
        var rng = Rng.ForPurpose(7, "init");
        return Enumerable.Range(0, Length).Select(_ => (float)rng.NextDouble(-1, 1)).ToArray();
    }

    private static void Run(Optimizer optimizer, float[] parameters, int from, int to)
    {
        for (int step = from; step < to; step++) optimizer.Step(parameters, Gradient(step, parameters));
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    public static TheoryData<OptimizerKind> Kinds => [OptimizerKind.Sgd, OptimizerKind.Momentum, OptimizerKind.Adam];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Restored_mid_run_it_ends_with_the_same_bits_as_an_uninterrupted_run(OptimizerKind kind)
    {
        var settings = new OptimizerSettings(kind, LearningRate: 0.01);

        var uninterrupted = InitialParameters();
        var straight = Optimizer.Create(settings, Length);
        Run(straight, uninterrupted, 0, TotalSteps);

        // First half, then a checkpoint through a real file, then a fresh optimiser from it.
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        var firstHalf = InitialParameters();
        var before = Optimizer.Create(settings, Length);
        Run(before, firstHalf, 0, StopAfter);
        store.Write(new Checkpoint
        {
            Version = StopAfter,
            Epoch = 1,
            BatchInEpoch = StopAfter,
            Parameters = (float[])firstHalf.Clone(),
            OptimizerName = Optimizer.Name(kind),
            OptimizerSteps = before.Steps,
            OptimizerState = before.State.ToDictionary(kv => kv.Key, kv => (float[])kv.Value.Clone()),
            LedgerCounts = new int[10],
            Fingerprint = "test",
        });
        Run(before, firstHalf, StopAfter, StopAfter + 2); // the crashed run went on a little: must not leak into the resume

        var checkpoint = store.LoadLatestGood().Checkpoint!;
        var resumed = checkpoint.Parameters;
        var after = Optimizer.Create(settings, Length);
        after.Restore(checkpoint.OptimizerState, checkpoint.OptimizerSteps);
        Assert.Equal(StopAfter, after.Steps);
        Run(after, resumed, (int)checkpoint.Version, TotalSteps);

        Assert.Equal(TotalSteps, after.Steps);
        Assert.Equal(Bits(uninterrupted), Bits(resumed));
        foreach (var (name, values) in straight.State) Assert.Equal(Bits(values), Bits(after.State[name]));

        // The comparison can fail: continuing without the optimiser's state gives other bits
        // (plain SGD has no state, so for it the two runs agree either way).
        if (kind != OptimizerKind.Sgd)
        {
            // Re-read: `resumed` above is the same array as checkpoint.Parameters and has moved on.
            var forgetful = store.LoadLatestGood().Checkpoint!.Parameters;
            var fresh = Optimizer.Create(settings, Length);
            Run(fresh, forgetful, StopAfter, TotalSteps);
            Assert.NotEqual(Bits(uninterrupted), Bits(forgetful));
        }
    }

    [Fact]
    public void Adam_restored_with_the_moments_but_not_the_step_count_drifts()
    {
        // Adam's bias correction depends on Steps; restoring it is part of the contract.
        var p1 = InitialParameters();
        var a = new Adam(0.01, 0.9, 0.999, 1e-8, Length);
        Run(a, p1, 0, 3);
        var p2 = (float[])p1.Clone();
        var b = new Adam(0.01, 0.9, 0.999, 1e-8, Length);
        b.Restore(a.State.ToDictionary(kv => kv.Key, kv => (float[])kv.Value.Clone()), steps: 0);
        Run(a, p1, 3, 4);
        Run(b, p2, 3, 4);
        Assert.NotEqual(Bits(p1), Bits(p2));
    }

    [Fact]
    public void Restore_refuses_missing_or_unexpected_names()
    {
        var adam = new Adam(0.01, 0.9, 0.999, 1e-8, 3);
        var e = Assert.Throws<ArgumentException>(() => adam.Restore(new Dictionary<string, float[]> { ["velocity"] = new float[3] }, 1));
        Assert.Contains("missing m, v", e.Message);
        Assert.Contains("unexpected velocity", e.Message);

        var sgd = new Sgd(0.1);
        e = Assert.Throws<ArgumentException>(() => sgd.Restore(new Dictionary<string, float[]> { ["m"] = [] }, 1));
        Assert.Contains("unexpected m", e.Message);
        sgd.Restore(new Dictionary<string, float[]>(), 9);
        Assert.Equal(9, sgd.Steps);
    }

    [Fact]
    public void Restore_refuses_wrong_lengths_and_changes_nothing()
    {
        var adam = new Adam(0.01, 0.9, 0.999, 1e-8, 3);
        float[] p = [1, 2, 3];
        adam.Step(p, [0.1f, 0.2f, 0.3f]);
        var m = (float[])adam.State["m"].Clone();
        var v = (float[])adam.State["v"].Clone();

        var e = Assert.Throws<ArgumentException>(() => adam.Restore(new Dictionary<string, float[]> { ["m"] = [9, 9, 9], ["v"] = [9, 9] }, 5));
        Assert.Contains("'v' has 3 values; the saved one has 2", e.Message);
        Assert.Equal(m, adam.State["m"]); // "m" was fine but is not half-restored
        Assert.Equal(v, adam.State["v"]);
        Assert.Equal(1, adam.Steps);

        Assert.Throws<ArgumentOutOfRangeException>(() => adam.Restore(new Dictionary<string, float[]> { ["m"] = m, ["v"] = v }, -1));
        Assert.Equal(1, adam.Steps);
    }

    [Fact]
    public void Restore_copies_so_the_saved_arrays_stay_the_callers()
    {
        var momentum = new Momentum(0.1, 0.9, 2);
        float[] saved = [1, 2];
        momentum.Restore(new Dictionary<string, float[]> { ["velocity"] = saved }, 4);
        momentum.Step(new float[2], [0, 0]);
        Assert.Equal([1f, 2f], saved);
        Assert.Equal([0.9f, 1.8f], momentum.State["velocity"]);
        Assert.Equal(5, momentum.Steps);
    }
}

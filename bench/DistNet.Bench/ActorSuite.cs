using System.Diagnostics;
using System.Numerics.Tensors;
using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;
using DistNet.Training;
using DistNet.Training.Hosting;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Bench;

/// <summary>
/// `--suite actors`: what the actor machinery costs in one process. Three comparisons, each as
/// back-to-back pairs of runs (the order alternating from round to round) so that a change of load
/// on the shared machine hits both sides of a ratio alike:
/// <list type="number">
/// <item>LocalTraining with one worker against <see cref="Trainer.Train"/>, the plain loop, on the same
/// model, data and micro-shards (the sync mode is bit-identical to it; the suite checks the hashes);</item>
/// <item>two workers against one, at several micro-shard counts and batch sizes;</item>
/// <item>messages, vector bytes and allocations per step, from the server's counters and the GC.</item>
/// </list>
/// Then the pieces of a step timed alone on one thread, to explain the figures: the gradient of a
/// batch computed in 1, 2 or 4 micro-shards, a fresh gradient array per shard, the server's clone,
/// sum and optimiser step.
/// </summary>
internal static class ActorSuite
{
    private const double LearningRate = 0.1;
    /// <summary>A round counts as quiet when other processes used less than this share of the CPUs during both of its runs.</summary>
    private const double QuietShare = 0.10;
    private static readonly int[] Hidden = [256, 128];

    /// <summary>One run, measured over its epochs 2..E (epoch 1 is warm-up: JIT, thread start).</summary>
    internal sealed record RunResult(string Kind, int Workers, int MicroShards, int Batch, double SamplesPerSecond,
        double SamplesPerCpuSecond, double CoresBusy, double MsPerStep, double AllocatedBytesPerStep, double Gen0PerHundredSteps,
        long Updates, long Tasks, string Hash, string LoadAverage, double OthersShare, double Gen1PerHundredSteps, double GcPauseShare);

    /// <param name="QuietRatio">The median ratio over the rounds in which other processes used &lt; 10% of the CPUs during both runs (NaN if none).</param>
    internal sealed record PairSummary(string Comparison, int MicroShards, int Batch, string Numerator, string Denominator,
        double NumeratorSamplesPerSecond, double DenominatorSamplesPerSecond, double MedianRatio, double[] Ratios,
        double NumeratorPerCpuSecond, double DenominatorPerCpuSecond, bool BitIdentical, double QuietRatio, int QuietRounds, double[] OthersShares);

    internal sealed record TrafficRow(string Run, int Workers, int MicroShards, int Batch, double TasksPerStep, double AnswersPerStep,
        double WeightVectorsOutPerStep, double GradientVectorsInPerStep, double VectorBytesPerStep, double MinimumBytesPerStep,
        double AllocatedBytesPerStep, double Gen0PerHundredSteps, double Gen1PerHundredSteps, double GcPauseShare);

    /// <summary>Medians over the timed steps of one run, in µs: see <see cref="Timeline"/>.</summary>
    internal sealed record TimelineRow(int Workers, int MicroShards, int Batch, double StepMicroseconds, double HandOut, double Compute,
        double ComputeSlowestWorker, double ComputeFastestWorker, double Collect, int Steps, double MeanStepMicroseconds, double P90StepMicroseconds);

    internal sealed record ComponentRow(string Piece, double Microseconds);

    internal sealed record ActorReport(string Suite, string Date, string LoadAverageAtStart, string LoadAverageAtEnd, string Blas,
        string Runtime, int Parameters, int Epochs, int Rounds, IReadOnlyList<PairSummary> Overhead, IReadOnlyList<PairSummary> Scaling,
        IReadOnlyList<TrafficRow> Traffic, IReadOnlyList<TimelineRow> Timelines, IReadOnlyList<ComponentRow> Components, IReadOnlyList<RunResult> Runs);

    public static ActorReport Run(Options options, Dataset train)
    {
        string loadAtStart = Machine.LoadAverage();
        var empty = train.Subset(ReadOnlySpan<int>.Empty, "none");
        var architecture = Architecture.Create(train.FeatureCount, Hidden, Activation.Sigmoid, train.Classes!.Length, Loss.SoftmaxCrossEntropy);
        int parameters = Mlp.Initialize(architecture, seed: 1).Parameters.Length;
        var runs = new List<RunResult>();
        Console.WriteLine($"784-256-128-10 sigmoid, softmax-ce, sgd {LearningRate}; {parameters:N0} parameters ({4 * parameters:N0} bytes a vector); " +
            $"{options.Epochs} epochs per run (epoch 1 untimed), {options.Rounds} rounds, alternating order");

        TrainerSettings Settings(int batch, int shards, int epochs) => new()
        {
            Epochs = epochs, BatchSize = batch, Seed = 1, MicroShards = shards,
            Optimizer = new OptimizerSettings(OptimizerKind.Sgd, LearningRate),
        };

        RunResult Measure(string kind, int workers, int shards, int batch, int epochs)
        {
            var model = Mlp.Initialize(architecture, seed: 1);
            var marks = new EpochMarks();
            var settings = Settings(batch, shards, epochs);
            float[] final;
            long updates, tasks;
            if (workers == 0)
            {
                final = Trainer.Train(model, train, empty, settings, marks).Model.Parameters;
                updates = tasks = 0;
            }
            else
            {
                var result = LocalTraining.Run(model, train, empty, settings, new DistributedSettings { Workers = workers }, observer: marks);
                final = result.Model.Parameters;
                (updates, tasks) = (result.Stats.Updates, result.Stats.TasksSent);
            }
            if (epochs < 2) return new RunResult(kind, workers, shards, batch, 0, 0, 0, 0, 0, 0, updates, tasks, Hash(final), "", double.NaN, 0, 0);
            var (first, last) = (marks.Marks[0], marks.Marks[^1]);
            double wall = (double)(last.Ticks - first.Ticks) / Stopwatch.Frequency, cpu = last.Cpu - first.Cpu;
            long samples = (long)(epochs - 1) * train.Count;
            int steps = (epochs - 1) * EpochPlan.BatchesPerEpoch(train.Count, batch);
            var run = new RunResult(kind, workers, shards, batch, samples / wall, samples / cpu, cpu / wall, 1e3 * wall / steps,
                (double)(last.Allocated - first.Allocated) / steps, 100.0 * (last.Gen0 - first.Gen0) / steps,
                updates, tasks, Hash(final), Machine.LoadAverage(),
                Math.Max(0, (last.SystemBusy - first.SystemBusy - cpu) / (wall * Environment.ProcessorCount)),
                100.0 * (last.Gen1 - first.Gen1) / steps, (last.GcPause - first.GcPause).TotalSeconds / wall);
            runs.Add(run);
            return run;
        }

        // Both sides of a ratio run in one round, in alternating order; the ratio of each round is kept.
        PairSummary Pairs(string comparison, int shards, int batch, (string Name, int Workers) a, (string Name, int Workers) b)
        {
            Measure(a.Name, a.Workers, shards, batch, epochs: 1); // warm-up of both code paths, untimed
            Measure(b.Name, b.Workers, shards, batch, epochs: 1);
            var pairs = new List<(RunResult A, RunResult B)>();
            for (int r = 0; r < options.Rounds; r++)
            {
                if (options.WaitQuiet > 0) Machine.WaitQuiet(Math.Min(options.WaitQuiet, 120), quietly: true);
                RunResult ra, rb;
                if (r % 2 == 0) { ra = Measure(a.Name, a.Workers, shards, batch, options.Epochs); rb = Measure(b.Name, b.Workers, shards, batch, options.Epochs); }
                else { rb = Measure(b.Name, b.Workers, shards, batch, options.Epochs); ra = Measure(a.Name, a.Workers, shards, batch, options.Epochs); }
                pairs.Add((ra, rb));
                Console.WriteLine($"    round {r + 1}: {a.Name} {ra.SamplesPerSecond,8:N0}  {b.Name} {rb.SamplesPerSecond,8:N0} samples/s  " +
                    $"ratio {ra.SamplesPerSecond / rb.SamplesPerSecond:F3}   (this process used {ra.CoresBusy:F2} / {rb.CoresBusy:F2} cores, " +
                    $"other processes {100 * ra.OthersShare:F0}% / {100 * rb.OthersShare:F0}% of the CPUs)");
            }
            var ratios = pairs.Select(p => p.A.SamplesPerSecond / p.B.SamplesPerSecond).ToArray();
            var quiet = pairs.Where(p => p.A.OthersShare < QuietShare && p.B.OthersShare < QuietShare).Select(p => p.A.SamplesPerSecond / p.B.SamplesPerSecond).ToArray();
            return new PairSummary(comparison, shards, batch, a.Name, b.Name,
                Median(pairs.Select(p => p.A.SamplesPerSecond)), Median(pairs.Select(p => p.B.SamplesPerSecond)),
                Median(ratios), ratios.Select(x => Math.Round(x, 4)).ToArray(),
                Median(pairs.Select(p => p.A.SamplesPerCpuSecond)), Median(pairs.Select(p => p.B.SamplesPerCpuSecond)),
                pairs.All(p => p.A.Hash == p.B.Hash), Median(quiet), quiet.Length,
                pairs.Select(p => Math.Round(Math.Max(p.A.OthersShare, p.B.OthersShare), 3)).ToArray());
        }

        Console.WriteLine();
        Console.WriteLine("== 1. overhead: LocalTraining --workers 1 against Trainer.Train (batch 128; goal: ≥ 0.95)");
        var overhead = new List<PairSummary>();
        foreach (int shards in options.Parts.Contains("overhead") ? options.OverheadMicroShards : [])
        {
            Console.WriteLine($"  micro-shards {shards}:");
            overhead.Add(Pairs("actors 1 worker / plain loop", shards, 128, ("actors-1", 1), ("trainer", 0)));
        }

        Console.WriteLine();
        Console.WriteLine("== 2. scaling: --workers 2 against --workers 1, one BLAS thread each (goal: ≥ 1.7)");
        var scaling = new List<PairSummary>();
        foreach (int batch in options.Parts.Contains("scaling") ? options.ScalingBatches : [])
            foreach (int shards in options.ScalingMicroShards)
            {
                Console.WriteLine($"  batch {batch}, micro-shards {shards}:");
                scaling.Add(Pairs("actors 2 workers / 1 worker", shards, batch, ("actors-2", 2), ("actors-1", 1)));
            }

        // Messages and vectors per step as counted by the server's telemetry, in one extra 1-epoch run per
        // configuration (the timed runs above run without telemetry, as `distnet train` does without options).
        var counted = new Dictionary<(int Workers, int Shards, int Batch), Counts>();
        foreach (var key in runs.Where(r => r.Workers > 0).Select(r => (r.Workers, r.MicroShards, r.Batch)).Distinct())
            counted[key] = Count(architecture, train, empty, Settings(key.Batch, key.MicroShards, 1), key.Workers, parameters);
        var traffic = Traffic(runs, parameters, counted);

        Console.WriteLine();
        Console.WriteLine("== 3. where a step's time goes: hand-out, compute, collect (one run each, medians over its timed steps)");
        Console.WriteLine("   NOTE: these runs use worker fault hooks for timestamps, so the server runs on its own thread (PinnedDispatcher),");
        Console.WriteLine("   unlike the timed runs above, where a plain sync run puts the server on worker 0's thread (SharedDispatcher).");
        var timelines = new List<TimelineRow>();
        var shapes = new List<(int Workers, int Shards, int Batch)>();
        foreach (int shards in options.OverheadMicroShards) shapes.Add((1, shards, 128));
        foreach (int batch in options.ScalingBatches)
            foreach (int shards in options.ScalingMicroShards) { shapes.Add((1, shards, batch)); shapes.Add((2, shards, batch)); }
        foreach (var (workers, shards, batch) in options.Parts.Contains("timeline") ? shapes.Distinct() : [])
        {
            var row = Timeline(architecture, train, empty, Settings(batch, shards, options.Epochs), workers);
            timelines.Add(row);
            Console.WriteLine($"  {workers} worker(s), {shards} micro-shards, batch {batch}: step {row.StepMicroseconds:F0} µs = hand-out {row.HandOut:F0} + compute {row.Compute:F0} + collect {row.Collect:F0}; mean step {row.MeanStepMicroseconds:F0}" +
                (workers > 1 ? $" (compute per worker {row.ComputeFastestWorker:F0}–{row.ComputeSlowestWorker:F0})" : ""));
        }

        var components = options.Parts.Contains("pieces") ? Components(architecture, train, options) : [];

        var report = new ActorReport("actors", DateTime.Now.ToString("yyyy-MM-dd HH:mm"), loadAtStart, Machine.LoadAverage(),
            DistNet.Core.Linear.Blas.Backend, Environment.Version.ToString(), parameters, options.Epochs, options.Rounds,
            overhead, scaling, traffic, timelines, components, runs);
        Print(report);
        return report;
    }

    /// <summary>Per step, over one epoch: tasks sent (TrainingStats), answers accepted, weight and gradient vectors (telemetry bytes / (4 × parameters)).</summary>
    internal readonly record struct Counts(double Tasks, double Answers, double WeightVectorsOut, double GradientVectorsIn, double BytesOut, double BytesIn);

    /// <summary>
    /// One epoch with a <see cref="RunTelemetry"/> (no trace), which counts per accepted answer the floats it
    /// carried (in process: 4 bytes each, BytesReceived) and per task the weights it carried (BytesSent).
    /// These are the actual vectors, whatever the workers pre-summed along the shard tree.
    /// </summary>
    private static Counts Count(Architecture architecture, Dataset train, Dataset empty, TrainerSettings settings, int workers, int parameters)
    {
        using var telemetry = new RunTelemetry();
        var result = LocalTraining.Run(Mlp.Initialize(architecture, seed: 1), train, empty, settings,
            new DistributedSettings { Workers = workers }, telemetry: telemetry);
        double steps = result.Stats.Updates, vector = 4.0 * parameters;
        var w = telemetry.Epochs.SelectMany(e => e.Workers).ToArray();
        double bytesIn = w.Sum(x => x.BytesReceived) / steps, bytesOut = w.Sum(x => x.BytesSent) / steps;
        return new Counts(result.Stats.TasksSent / steps, w.Sum(x => x.Tasks) / steps, bytesOut / vector, bytesIn / vector, bytesOut, bytesIn);
    }

    /// <summary>Per step: messages and vectors counted by <see cref="Count"/>; allocations and collections from the GC during the timed runs.</summary>
    private static List<TrafficRow> Traffic(List<RunResult> runs, int parameters, Dictionary<(int Workers, int Shards, int Batch), Counts> counted)
    {
        double vector = 4.0 * parameters;
        var rows = new List<TrafficRow>();
        foreach (var g in runs.GroupBy(r => (r.Kind, r.Workers, r.MicroShards, r.Batch)).OrderBy(g => g.Key.Batch).ThenBy(g => g.Key.MicroShards).ThenBy(g => g.Key.Workers))
        {
            var r = g.First();
            double allocated = Median(g.Select(x => x.AllocatedBytesPerStep));
            if (r.Workers == 0)
            {
                rows.Add(new TrafficRow("plain loop", 0, r.MicroShards, r.Batch, 0, 0, 0, 0, 0, 0, allocated, Median(g.Select(x => x.Gen0PerHundredSteps)),
                Median(g.Select(x => x.Gen1PerHundredSteps)), Median(g.Select(x => x.GcPauseShare))));
                continue;
            }
            // Counted, not assumed: every task carries the weights (in process: a reference to the server's parameters),
            // every answer one pre-summed gradient per aligned block of the micro-shards it held.
            var c = counted[(r.Workers, r.MicroShards, r.Batch)];
            rows.Add(new TrafficRow($"actors, {r.Workers} worker{(r.Workers > 1 ? "s" : "")}", r.Workers, r.MicroShards, r.Batch, c.Tasks, c.Answers,
                c.WeightVectorsOut, c.GradientVectorsIn, c.BytesOut + c.BytesIn, 2 * r.Workers * vector, allocated, Median(g.Select(x => x.Gen0PerHundredSteps)),
                Median(g.Select(x => x.Gen1PerHundredSteps)), Median(g.Select(x => x.GcPauseShare))));
        }
        return rows;
    }

    /// <summary>
    /// One run, timestamped from outside the actors: the server's OnBatch (after its optimiser step, just
    /// before it starts the next step), and each worker's fault hooks (BeforeTask when it dequeues a task,
    /// AfterGradient after each micro-shard). Per step: hand-out = server's previous update → first worker
    /// starts (sending, waking the worker); compute = first start → last shard done (including the worker's
    /// last tree additions, which also measure the sum's magnitude); collect = last shard done → server's
    /// update (reply, waking the server, its check, sum, sgd).
    /// </summary>
    private static TimelineRow Timeline(Architecture architecture, Dataset train, Dataset empty, TrainerSettings settings, int workers)
    {
        int perEpoch = EpochPlan.BatchesPerEpoch(train.Count, settings.BatchSize);
        int steps = perEpoch * settings.Epochs;
        int tasksPerStep = Math.Min(workers, settings.MicroShards);
        var hooks = new TimelineHooks(steps, workers, tasksPerStep, perEpoch);
        LocalTraining.Run(Mlp.Initialize(architecture, seed: 1), train, empty, settings,
            new DistributedSettings { Workers = workers }, observer: hooks, faults: _ => hooks);
        double Us(long ticks) => 1e6 * ticks / Stopwatch.Frequency;
        var step = new List<double>(); var handOut = new List<double>(); var compute = new List<double>(); var collect = new List<double>();
        var slowest = new List<double>(); var fastest = new List<double>();
        for (int s = perEpoch + 1; s < steps; s++) // epochs 2.., each step measured from the previous step's update
        {
            long first = long.MaxValue, last = 0, slow = 0, fast = long.MaxValue;
            for (int w = 0; w < workers; w++)
            {
                long begin = hooks.Begin[s, w], end = hooks.End[s, w];
                if (begin == 0) continue;
                first = Math.Min(first, begin); last = Math.Max(last, end);
                slow = Math.Max(slow, end - begin); fast = Math.Min(fast, end - begin);
            }
            long previous = hooks.Updated[s - 1], updated = hooks.Updated[s];
            step.Add(Us(updated - previous)); handOut.Add(Us(first - previous)); compute.Add(Us(last - first)); collect.Add(Us(updated - last));
            slowest.Add(Us(slow)); fastest.Add(Us(fast));
        }
        var sorted = step.Order().ToArray();
        return new TimelineRow(workers, settings.MicroShards, settings.BatchSize, Median(step), Median(handOut), Median(compute),
            Median(slowest), Median(fastest), Median(collect), step.Count, step.Average(), sorted[(int)(0.9 * (sorted.Length - 1))]);
    }

    /// <summary>Timestamps per global step (sync mode, no failures: task ids are handed out step by step, in order).</summary>
    private sealed class TimelineHooks(int steps, int workers, int tasksPerStep, int perEpoch) : ITrainingObserver, IWorkerFaults
    {
        public readonly long[,] Begin = new long[steps, workers], End = new long[steps, workers];
        public readonly long[] Updated = new long[steps];

        public void OnBatch(int epoch, int batch, int batchesPerEpoch, double runningLoss) =>
            Updated[(epoch - 1) * perEpoch + batch - 1] = Stopwatch.GetTimestamp();

        public void BeforeTask(int workerId, long taskId) => Begin[(taskId - 1) / tasksPerStep, workerId] = Stopwatch.GetTimestamp();

        public void AfterGradient(int workerId, long taskId, float[] gradient) => End[(taskId - 1) / tasksPerStep, workerId] = Stopwatch.GetTimestamp();
    }

    /// <summary>The pieces of a sync step, each timed alone on this thread (best of 7 timings of ≥ 0.1 s).</summary>
    private static List<ComponentRow> Components(Architecture architecture, Dataset train, Options options)
    {
        var rows = new List<ComponentRow>();
        var model = Mlp.Initialize(architecture, seed: 1);
        int p = model.Parameters.Length;
        var pass = new Backprop(architecture);
        var batch = new Batch(train);
        var reused = new float[p];
        var sum = new float[p];
        var order = EpochPlan.Order(train.Count, 1, 1, shuffle: true);
        var sgd = Optimizer.Create(new OptimizerSettings(OptimizerKind.Sgd, LearningRate), p);
        int cursor = 0;

        double GradientOfBatch(int size, int shards, bool freshArrays)
        {
            if (cursor + size > order.Length) cursor = 0;
            double loss = 0;
            for (int m = 0; m < shards; m++)
            {
                var (offset, count) = EpochPlan.MicroShard(size, shards, m);
                batch.Gather(order.AsSpan(cursor + offset, count));
                var target = freshArrays ? GC.AllocateUninitializedArray<float>(p) : reused;
                loss += pass.Gradient(model.Parameters, batch.Inputs, count, batch.Labels, batch.Targets, 1f / size, target);
            }
            cursor += size;
            return loss;
        }

        Console.WriteLine();
        Console.WriteLine("== 4. the pieces of a step, alone on one thread (µs, best of 7)");
        var sizes = options.ScalingBatches.Append(128).Distinct().Order().ToArray();
        foreach (int size in sizes)
            foreach (int shards in new[] { 1, 2, 4 })
            {
                double reuse = Time(() => GradientOfBatch(size, shards, freshArrays: false));
                double fresh = Time(() => GradientOfBatch(size, shards, freshArrays: true));
                rows.Add(new ComponentRow($"gather + gradient, batch {size} as {shards} micro-shard{(shards > 1 ? "s" : "")} of {size / shards}, one reused gradient buffer", reuse));
                rows.Add(new ComponentRow($"the same, a fresh gradient array per micro-shard (as the worker did before vectors were pooled)", fresh));
            }
        rows.Add(new ComponentRow($"sum of two gradients (TensorPrimitives.Add, {p:N0} floats; M − 1 per step along the shard tree, split between workers and server)", Time(() => TensorPrimitives.Add(sum, reused, sum))));
        rows.Add(new ComponentRow("copy of a gradient into the sum (the server's first micro-shard)", Time(() => reused.AsSpan().CopyTo(sum))));
        rows.Add(new ComponentRow("finiteness check of one gradient, scalar loop (the server's check before it was vectorised)", Time(() => AllFinite(reused))));
        rows.Add(new ComponentRow("finiteness check of one gradient, Finite.All (the server's check before TensorPrimitives.MaxMagnitude)", Time(() => _ = DistNet.Core.Linear.Finite.All(reused))));
        rows.Add(new ComponentRow("largest magnitude of one gradient, Finite.LargestMagnitude (the check of a vector that crossed the wire, or of a single shard's)", Time(() => _ = DistNet.Core.Linear.Finite.LargestMagnitude(reused))));
        rows.Add(new ComponentRow("the same check vectorised: TensorPrimitives.Dot(g, 0) is NaN exactly when some element is not finite", Time(() => _ = float.IsNaN(TensorPrimitives.Dot(reused, Zeros(p))))));
        rows.Add(new ComponentRow("clone of the parameters into a fresh array (the server's snapshot before pooling)", Time(() => _ = (float[])model.Parameters.Clone())));
        rows.Add(new ComponentRow("copy of the parameters into a reused array (the server's pooled snapshot until issue 3; sync steps now send the live parameters)", Time(() => model.Parameters.AsSpan().CopyTo(sum))));
        rows.Add(new ComponentRow("sgd step", Time(() => sgd.Step(sum, reused))));
        foreach (var row in rows) Console.WriteLine($"  {row.Microseconds,9:F1}  {row.Piece}");
        return rows;
    }

    /// <summary>The scalar finiteness check the server made before it switched to Finite.All; kept for comparison.</summary>
    private static bool AllFinite(float[] values)
    {
        foreach (var v in values) if (!float.IsFinite(v)) return false;
        return true;
    }

    private static float[]? _zeros;
    private static float[] Zeros(int n) => _zeros is { } z && z.Length == n ? z : _zeros = new float[n];

    /// <summary>Microseconds per call: the best of 7 timings of ≥ 0.1 s each, after 0.2 s of warm-up (JIT tiers).</summary>
    private static double Time(Action action)
    {
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 0.2) action();
        double best = double.PositiveInfinity;
        for (int r = 0; r < 7; r++)
        {
            int calls = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < 0.1) { action(); calls++; }
            best = Math.Min(best, 1e6 * clock.Elapsed.TotalSeconds / calls);
        }
        return best;
    }

    private static void Print(ActorReport report)
    {
        Console.WriteLine();
        Console.WriteLine($"784-256-128-10, {report.Parameters:N0} parameters; medians of {report.Rounds} back-to-back rounds; samples/s over epochs 2..{report.Epochs}");
        Console.WriteLine("comparison                        shards  batch   samples/s (a)   samples/s (b)   a / b   (rounds)                        per CPU-s a / b   same bits   quiet rounds: a / b (n)");
        foreach (var s in report.Overhead.Concat(report.Scaling))
            Console.WriteLine($"{s.Numerator + " / " + s.Denominator,-32}  {s.MicroShards,6}  {s.Batch,5}  {s.NumeratorSamplesPerSecond,14:N0}  {s.DenominatorSamplesPerSecond,14:N0}  {s.MedianRatio,6:F3}  " +
                $"({string.Join(" ", s.Ratios.Select(r => r.ToString("F2")))})".PadRight(32) + $"  {s.NumeratorPerCpuSecond / s.DenominatorPerCpuSecond,15:F3}   {(s.BitIdentical ? "yes" : "NO"),9}   " +
                (s.QuietRounds > 0 ? $"{s.QuietRatio:F3} ({s.QuietRounds})" : "- (0)"));
        Console.WriteLine($"(a round is quiet when other processes used < {100 * QuietShare:F0}% of the CPUs during both its runs, from /proc/stat less this process's CPU time)");
        Console.WriteLine();
        Console.WriteLine("per step                 workers  shards  batch  tasks  answers  weights out  gradients in  vector MB  minimum MB  allocated MB  GCs/100 steps: gen0 gen1  GC pauses, % of time");
        foreach (var t in report.Traffic)
            Console.WriteLine($"{t.Run,-24} {t.Workers,7}  {t.MicroShards,6}  {t.Batch,5}  {t.TasksPerStep,5:F2}  {t.AnswersPerStep,7:F2}  {t.WeightVectorsOutPerStep,11:F2}  {t.GradientVectorsInPerStep,12:F2}  " +
                $"{t.VectorBytesPerStep / 1e6,9:F2}  {t.MinimumBytesPerStep / 1e6,10:F2}  {t.AllocatedBytesPerStep / 1e6,12:F3}  {t.Gen0PerHundredSteps,19:F1} {t.Gen1PerHundredSteps,4:F1}  {100 * t.GcPauseShare,20:F1}");
        Console.WriteLine();
        Console.WriteLine("step timeline, µs (median; fault hooks on: server on its own thread)  workers  shards  batch    step  hand-out  compute  collect  compute per worker   mean step  90th pct");
        foreach (var t in report.Timelines)
            Console.WriteLine($"{"",-27} {t.Workers,7}  {t.MicroShards,6}  {t.Batch,5}  {t.StepMicroseconds,6:F0}  {t.HandOut,8:F0}  {t.Compute,7:F0}  {t.Collect,7:F0}  " +
                (t.Workers > 1 ? $"{t.ComputeFastestWorker:F0}–{t.ComputeSlowestWorker:F0}" : "").PadRight(18) + $"  {t.MeanStepMicroseconds,9:F0}  {t.P90StepMicroseconds,8:F0}");
        Console.WriteLine($"load average at start {report.LoadAverageAtStart}, at end {report.LoadAverageAtEnd}");
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>FNV-1a over the parameters' bits, as the training suite prints it.</summary>
    private static string Hash(float[] parameters)
    {
        ulong h = 14695981039346656037UL;
        foreach (float v in parameters) { h ^= BitConverter.SingleToUInt32Bits(v); h *= 1099511628211UL; }
        return h.ToString("x16");
    }

    /// <summary>Clock, CPU time, allocations and collections at the end of every epoch (on whichever thread ends it).</summary>
    private sealed class EpochMarks : ITrainingObserver
    {
        public readonly record struct Mark(long Ticks, double Cpu, long Allocated, int Gen0, double SystemBusy, int Gen1, TimeSpan GcPause);
        public List<Mark> Marks { get; } = new();

        public void OnEpoch(EpochReport report) =>
            Marks.Add(new Mark(Stopwatch.GetTimestamp(), CpuClock.ProcessSeconds(), GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0),
                Machine.BusyCpuSeconds(), GC.CollectionCount(1), GC.GetTotalPauseDuration()));
    }
}

namespace DistNet.Bench;

/// <summary>Command-line options of the benchmark; see <see cref="Usage"/>.</summary>
internal sealed record Options
{
    public const string DefaultData = "/work/shared/data/fashion-mnist";

    public string DataDirectory { get; init; } = DefaultData;
    public string? JsonFile { get; init; }
    /// <summary>Timed repetitions per configuration; the median is reported.</summary>
    public int Repetitions { get; init; } = 5;
    /// <summary>Steps per timed repetition (469 = one epoch of 60,000 samples at batch 128).</summary>
    public int Steps { get; init; } = 469;
    public int WarmupSteps { get; init; } = 469;
    public int[] Threads { get; init; } = [1, 2];
    public string[] Activations { get; init; } = ["sigmoid", "relu"];
    public bool Inference { get; init; } = true;
    /// <summary>Time the sgemm calls of one step alone, to split a step into gemm and the rest.</summary>
    public bool Breakdown { get; init; } = true;

    /// <summary>What to measure: the training step against PyTorch (default), the actors in one process, or the cluster's serialization.</summary>
    public string Suite { get; init; } = "training";
    /// <summary>Suites actors and cluster: back-to-back rounds of each comparison; medians reported.</summary>
    public int Rounds { get; init; } = 5;
    /// <summary>Suite actors: epochs per run; the first is warm-up, the rest are timed.</summary>
    public int Epochs { get; init; } = 3;
    /// <summary>Suite actors: micro-shard counts of the overhead comparison and of the scaling comparison.</summary>
    public int[] OverheadMicroShards { get; init; } = [1, 4];
    public int[] ScalingMicroShards { get; init; } = [2, 4];
    /// <summary>Suites actors and cluster: wait up to this many seconds for the other processes to use &lt; 10% of the CPUs.</summary>
    public int WaitQuiet { get; init; }
    /// <summary>Suite actors: which of its parts to run.</summary>
    public string[] Parts { get; init; } = ["overhead", "scaling", "timeline", "pieces"];
    /// <summary>Suite actors: global batch sizes of the scaling comparison.</summary>
    public int[] ScalingBatches { get; init; } = [128, 256];

    public const string Usage = """
        distnet-bench: training and inference throughput of 784-256-128-10 (softmax-ce, sgd 0.1,
        batch 128, float32) on Fashion-MNIST, through DistNet's real training step.

        options:
          --data DIR          IDX directory (default /work/shared/data/fashion-mnist)
          --json FILE         also write the results as JSON
          --reps N            timed repetitions per configuration, median reported (default 5)
          --steps N           optimiser steps per repetition (default 469 = one epoch)
          --warmup-steps N    untimed steps before the first repetition (default 469)
          --threads LIST      BLAS thread counts, comma-separated (default 1,2)
          --activations LIST  hidden activations, comma-separated (default sigmoid,relu)
          --no-inference      skip the inference measurement
          --no-breakdown      skip the gemm / rest split of a step
          --quick             --reps 1 --steps 40 --warmup-steps 10 (for the slow managed BLAS)

        other suites (docs/benchmarks.md, "Actors in one process" and "Cluster"):
          --suite actors      LocalTraining with 1 worker against Trainer.Train; 2 workers against 1;
                              messages, bytes and allocations per step; the cost of micro-shards
          --suite cluster     VectorMessageSerializer against Hyperion (MB/s each way) and the bytes a
                              step sends per worker (bench/cluster.sh adds the multi-process runs)
          --rounds N          back-to-back rounds of each comparison, medians reported (default 5)
          --epochs N          actors: epochs per run, the first one untimed (default 3)
          --overhead-shards LIST  actors: micro-shards of the 1-worker overhead runs (default 1,4)
          --scaling-shards LIST   actors: micro-shards of the 2-vs-1-worker runs (default 2,4)
          --scaling-batches LIST  actors: global batch sizes of the 2-vs-1-worker runs (default 128,256)
          --parts LIST        actors: any of overhead,scaling,timeline,pieces (default all)
          --wait-quiet S      wait up to S seconds for a moment when other processes use < 10% of the CPUs,
                              and up to 120 s more before each round
        """;

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Positive() => int.TryParse(Value(), out int n) && n > 0 ? n : throw new ArgumentException($"{args[i - 1]} needs a positive integer");
            int[] PositiveList() => Value().Split(',').Select(t => int.TryParse(t, out int n) && n > 0 ? n : throw new ArgumentException($"{args[i - 1]}: bad value '{t}'")).ToArray();
            options = args[i] switch
            {
                "--data" => options with { DataDirectory = Value() },
                "--json" => options with { JsonFile = Value() },
                "--reps" => options with { Repetitions = Positive() },
                "--steps" => options with { Steps = Positive() },
                "--warmup-steps" => options with { WarmupSteps = int.TryParse(Value(), out int w) && w >= 0 ? w : throw new ArgumentException("--warmup-steps needs an integer ≥ 0") },
                "--threads" => options with { Threads = Value().Split(',').Select(t => int.TryParse(t, out int n) && n > 0 ? n : throw new ArgumentException($"bad thread count '{t}'")).ToArray() },
                "--activations" => options with { Activations = Value().Split(',') },
                "--no-inference" => options with { Inference = false },
                "--no-breakdown" => options with { Breakdown = false },
                "--quick" => options with { Repetitions = 1, Steps = 40, WarmupSteps = 10 },
                "--suite" => options with { Suite = Value() is "training" or "actors" or "cluster" ? args[i] : throw new ArgumentException($"unknown suite '{args[i]}', expected training, actors or cluster") },
                "--rounds" => options with { Rounds = Positive() },
                "--epochs" => options with { Epochs = Positive() is var e && e >= 2 ? e : throw new ArgumentException("--epochs needs at least 2 (the first is warm-up)") },
                "--overhead-shards" => options with { OverheadMicroShards = PositiveList() },
                "--scaling-shards" => options with { ScalingMicroShards = PositiveList() },
                "--scaling-batches" => options with { ScalingBatches = PositiveList() },
                "--wait-quiet" => options with { WaitQuiet = Positive() },
                "--parts" => options with { Parts = Value().Split(',').Select(p => p is "overhead" or "scaling" or "timeline" or "pieces" ? p : throw new ArgumentException($"unknown part '{p}'")).ToArray() },
                "-h" or "--help" => throw new HelpRequested(),
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return options;
    }
}

internal sealed class HelpRequested : Exception;

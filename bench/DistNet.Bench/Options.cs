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
        """;

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Positive() => int.TryParse(Value(), out int n) && n > 0 ? n : throw new ArgumentException($"{args[i - 1]} needs a positive integer");
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
                "-h" or "--help" => throw new HelpRequested(),
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return options;
    }
}

internal sealed class HelpRequested : Exception;

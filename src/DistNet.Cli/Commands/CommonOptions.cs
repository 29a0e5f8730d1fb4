using System.CommandLine;
using DistNet.Core.Data;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Training;

namespace DistNet.Cli.Commands;

/// <summary>
/// Every option of DistNet's commands, declared once with its default; the commands pick the
/// ones they take. This is the one home of configuration.
/// </summary>
public static class CommonOptions
{
    // Data
    public static Option<string> Data() => new("--data") { Description = "Data set: digits, idx:DIR, csv:FILE, xor, circles, moons, spirals", DefaultValueFactory = _ => "digits" };
    public static Option<double> Validation() => new("--validation") { Description = "Fraction held out for validation", DefaultValueFactory = _ => 0.1 };
    public static Option<double> Test() => new("--test") { Description = "Fraction held out for testing (data sets without a test set of their own)", DefaultValueFactory = _ => 0.2 };
    public static Option<int> Samples() => new("--samples") { Description = "Points in a synthetic 2-D data set", DefaultValueFactory = _ => SyntheticData.DefaultSamples };
    public static Option<double?> Noise() => new("--noise") { Description = "Noise of a synthetic data set (default: the set's own)" };
    public static Option<string?> LabelColumn() => new("--label-column") { Description = "CSV label column, by name or 0-based index (default: the last)" };
    public static Option<long> Seed() => new("--seed") { Description = "Seed for initialisation, shuffling and splits", DefaultValueFactory = _ => 1 };

    // Model
    public static Option<string> Hidden() => new("--hidden") { Description = "Hidden layer sizes, e.g. 64,32; 0 or empty for none (the perceptron)", DefaultValueFactory = _ => "64" };
    public static Option<string> Activation() => new("--activation") { Description = $"Hidden activation: {string.Join(", ", Activations.Names)}", DefaultValueFactory = _ => "sigmoid" };
    public static Option<string> Loss() => new("--loss") { Description = $"Loss: {string.Join(", ", Losses.Names)}", DefaultValueFactory = _ => "softmax-ce" };
    public static Option<bool> NoBias() => new("--no-bias") { Description = "Leave out the bias terms" };

    // Training
    public static Option<string> Optimizer() => new("--optimizer") { Description = $"Optimiser: {string.Join(", ", Core.Optim.Optimizer.Names)}", DefaultValueFactory = _ => "sgd" };
    public static Option<double> LearningRate() => new("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 0.5 };
    public static Option<double> Momentum() => new("--momentum") { Description = "Momentum coefficient (momentum optimiser)", DefaultValueFactory = _ => 0.9 };
    public static Option<int> Batch() => new("--batch") { Description = "Mini-batch size", DefaultValueFactory = _ => 32 };
    public static Option<int> Epochs() => new("--epochs") { Description = "Passes over the training data", DefaultValueFactory = _ => 30 };
    public static Option<double> L1() => new("--l1") { Description = "L1 penalty λ1·Σ|w| on weights", DefaultValueFactory = _ => 0 };
    public static Option<double> L2() => new("--l2") { Description = "L2 penalty λ2·Σw² on weights", DefaultValueFactory = _ => 0 };
    public static Option<int> Patience() => new("--patience") { Description = "Early stopping: stop after this many epochs without a better validation loss (0: off)", DefaultValueFactory = _ => 0 };
    public static Option<bool> NoShuffle() => new("--no-shuffle") { Description = "Keep the data order instead of shuffling each epoch" };
    public static Option<bool> Standardize() => new("--standardize") { Description = "Z-score features with training-split statistics (stored in the model)" };
    public static Option<int> Threads() => new("--threads") { Description = "BLAS threads", DefaultValueFactory = _ => 1 };

    // Actors
    public static Option<int> Workers() => new("--workers") { Description = "Worker actors computing gradients in parallel", DefaultValueFactory = _ => 1 };
    public static Option<string> Mode() => new("--mode") { Description = "sync (bulk-synchronous, deterministic), async (apply on arrival) or ssp (bounded staleness)", DefaultValueFactory = _ => "sync" };
    public static Option<int> Staleness() => new("--staleness") { Description = "ssp: how many updates the fastest worker may lead the slowest by", DefaultValueFactory = _ => 2 };
    public static Option<int> BackupWorkers() => new("--backup-workers") { Description = "sync: go on with the first N−b gradients of each step, drop the late ones", DefaultValueFactory = _ => 0 };
    public static Option<int> SyncEvery() => new("--sync-every") { Description = "Local SGD: workers take H local steps between model averages", DefaultValueFactory = _ => 1 };
    public static Option<int> MicroShards() => new("--micro-shards") { Description = "Pieces each batch's gradient is summed from, along a fixed tree: the result depends on it, never on --workers; at most this many workers share a step", DefaultValueFactory = _ => 4 };
    public static Option<double?> TaskTimeout() => new("--task-timeout") { Description = "Seconds before unanswered work is given to another worker (default 30; 1 when a fault plan drops messages)" };

    // Faults and recovery
    public static Option<string?> Faults() => new("--faults") { Description = "Run this fault plan (JSON; docs/faults.md)" };
    public static Option<string[]> Fault() => new("--fault") { Description = "One fault, KIND:FIELD=VALUE,… e.g. kill-worker:worker=1,step=30 (repeatable; added to --faults)", AllowMultipleArgumentsPerToken = false };
    public static Option<string?> CheckpointDir() => new("--checkpoint-dir") { Description = "Write checkpoints here (sync mode), every --checkpoint-every steps" };
    public static Option<int> CheckpointEvery() => new("--checkpoint-every") { Description = "Steps between checkpoints", DefaultValueFactory = _ => 100 };
    public static Option<string?> Resume() => new("--resume") { Description = "Continue from the last good checkpoint in this directory (and keep writing checkpoints there)" };

    // Observability
    public static Option<int?> MetricsPort() => new("--metrics-port") { Description = "Serve metrics at http://127.0.0.1:PORT/metrics (Prometheus text format) while training" };

    // Files
    public static Option<string?> ModelOut() => new("--model-out") { Description = "Write the trained model here (JSON)" };
    public static Option<string?> MetricsOut() => new("--metrics-out") { Description = "Write one JSON line per epoch here" };
    public static Option<string?> TraceOut() => new("--trace-out") { Description = "Write a timeline of every step here (Chrome trace-event JSON; open in ui.perfetto.dev or chrome://tracing)" };
    public static Option<string?> Init() => new("--init") { Description = "Start from this saved model (its architecture and loss win)" };
    public static Option<string> Model() => new("--model") { Description = "Model file (JSON)", Required = true };

    public static int[] ParseHidden(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0 || trimmed == "0") return [];
        var parts = trimmed.Split(',', StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], out sizes[i]) || sizes[i] <= 0)
                throw new UsageException($"--hidden: '{parts[i]}' is not a positive layer size (expected e.g. 64,32)");
        return sizes;
    }

    public static Activation ParseActivation(string name) =>
        Activations.TryParse(name, out var a) ? a : throw new UsageException($"--activation: unknown '{name}' (expected {string.Join(", ", Activations.Names)})");

    public static Loss ParseLoss(string name) =>
        Losses.TryParse(name, out var l) ? l : throw new UsageException($"--loss: unknown '{name}' (expected {string.Join(", ", Losses.Names)})");

    public static OptimizerKind ParseOptimizer(string name) =>
        Core.Optim.Optimizer.TryParse(name, out var o) ? o : throw new UsageException($"--optimizer: unknown '{name}' (expected {string.Join(", ", Core.Optim.Optimizer.Names)})");

    public static TrainingMode ParseMode(string name) =>
        Enum.GetValues<TrainingMode>().FirstOrDefault(m => DistributedSettings.Name(m) == name, (TrainingMode)(-1)) is var mode && mode >= 0
            ? mode
            : throw new UsageException($"--mode: unknown '{name}' (expected sync, async or ssp)");

    public static void Require(bool condition, string message)
    {
        if (!condition) throw new UsageException(message);
    }

    // Sweeps and pictures (sweep, boundary, plot, train --plot)
    public static Option<string> HiddenCandidates(string defaultCandidates) => new("--hidden")
    {
        Description = "Candidates to compare: 1,2,4 is one hidden layer of each size (0: the perceptron); " +
            "\"8;16,8\" separates candidates with ';' and their layers with ','",
        DefaultValueFactory = _ => defaultCandidates,
    };
    public static Option<string> PlaneData() => new("--data") { Description = "2-D data set: circles, xor, moons, spirals or csv:FILE with two feature columns", DefaultValueFactory = _ => "circles" };
    public static Option<string?> TableOut() => new("--table-out") { Description = "Also write the table of candidates here (FILE.csv or FILE.json)" };
    public static Option<string?> Plot() => new("--plot") { Description = "At the end, draw the learning curves (loss and accuracy per epoch) into this PNG" };
    public static Option<string> ImageOut() => new("--out") { Description = "The PNG image to write", Required = true };
    public static Option<int> PanelSize() => new("--panel-size") { Description = "Width and height of each panel, in pixels", DefaultValueFactory = _ => 380 };
    public static Option<string> ImageSize() => new("--size") { Description = "Image size in pixels, WIDTHxHEIGHT", DefaultValueFactory = _ => "1100x450" };
    public static Option<string?> Labels() => new("--labels") { Description = "Legend labels of the runs, comma-separated, one per file (default: the file names)" };
    public static Option<string?> Title() => new("--title") { Description = "Title put before each panel's name" };

    /// <summary>
    /// Hidden-layer candidates: "8;16,8;32,16" is three candidates of one or two layers each;
    /// a list without ';' such as "1,2,4" is one single-layer candidate per size, and 0 stands
    /// for no hidden layer (the perceptron) in either form.
    /// </summary>
    public static int[][] ParseCandidates(string text)
    {
        var trimmed = text.Trim();
        Require(trimmed.Length > 0, "--hidden: no candidates (expected e.g. 1,2,4,8 or \"8;16,8\")");
        if (trimmed.Contains(';'))
            return trimmed.Split(';', StringSplitOptions.TrimEntries).Select(part =>
            {
                Require(part.Length > 0, $"--hidden: an empty candidate in '{trimmed}' (write 0 for the perceptron)");
                return ParseHidden(part);
            }).ToArray();
        return trimmed.Split(',', StringSplitOptions.TrimEntries).Select(part =>
        {
            Require(part.Length > 0, $"--hidden: an empty candidate in '{trimmed}'");
            return ParseHidden(part);
        }).ToArray();
    }

    /// <summary>Hidden sizes as the user writes them: "16,8", or "0" for the perceptron.</summary>
    public static string FormatHidden(int[] hidden) => hidden.Length == 0 ? "0" : string.Join(",", hidden);

    /// <summary>Checked before any training, so that a typo does not cost the whole run.</summary>
    public static void RequirePng(string? path, string option)
    {
        if (path is null) return;
        Require(string.Equals(Path.GetExtension(path), ".png", StringComparison.OrdinalIgnoreCase),
            $"{option}: '{path}' must be a .png file");
    }

    public static (int Width, int Height) ParseImageSize(string text)
    {
        var parts = text.ToLowerInvariant().Split('x', StringSplitOptions.TrimEntries);
        if (parts.Length == 2 && int.TryParse(parts[0], out int width) && int.TryParse(parts[1], out int height)
            && width is >= 200 and <= 10000 && height is >= 150 and <= 10000)
            return (width, height);
        throw new UsageException($"--size: '{text}' is not WIDTHxHEIGHT in pixels (e.g. 1100x450; at least 200x150, at most 10000x10000)");
    }
}

using System.Diagnostics;
using System.Text.Json;
using DistNet.Bench;
using DistNet.Core.Data;
using DistNet.Core.Linear;
using DistNet.Core.Nn;
using DistNet.Core.Optim;
using DistNet.Core.Training;

Options options;
try { options = Options.Parse(args); }
catch (HelpRequested) { Console.WriteLine(Options.Usage); return 0; }
catch (ArgumentException e) { Console.Error.WriteLine($"distnet-bench: {e.Message}\n\n{Options.Usage}"); return 2; }
if (options.Suite != "training") return Suites.Run(options);

const int BatchSize = 128, InferenceBatch = 1024;
const double LearningRate = 0.1;
int[] hidden = [256, 128];

Console.WriteLine($"DistNet training benchmark — {DateTime.Now:yyyy-MM-dd HH:mm}");
Console.WriteLine($"runtime: .NET {Environment.Version}, {Environment.ProcessorCount} logical CPUs; BLAS: {Blas.Backend}");
Console.WriteLine($"load average before start: {LoadAverage()} (other processes on the machine disturb wall-clock figures; samples per CPU-second much less)");
Console.WriteLine($"OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "(unset)"} OPENBLAS_L2_SIZE={Environment.GetEnvironmentVariable("OPENBLAS_L2_SIZE") ?? "(unset)"}");

var loadClock = Stopwatch.StartNew();
Dataset train, test;
try { (train, test) = IdxData.Load(options.DataDirectory); }
catch (DataException e) { Console.Error.WriteLine($"distnet-bench: {e.Message}"); return 1; }
double loadSeconds = loadClock.Elapsed.TotalSeconds;
double afterLoadMiB = ProcessMemory.CurrentMiB();
Console.WriteLine($"data: {options.DataDirectory}: {train.Count} train + {test.Count} test samples, {train.FeatureCount} features, loaded in {loadSeconds:F2} s (RSS {afterLoadMiB:F0} MiB)");
Console.WriteLine($"per configuration: {options.WarmupSteps} warm-up steps, then {options.Repetitions} × {options.Steps} timed steps (batch {BatchSize}, sgd lr {LearningRate}); median reported");
Console.WriteLine();

var activations = new List<Activation>();
foreach (var name in options.Activations)
{
    if (!Activations.TryParse(name, out var parsed)) { Console.Error.WriteLine($"distnet-bench: unknown activation '{name}', expected one of {string.Join(", ", Activations.Names)}"); return 2; }
    activations.Add(parsed);
}

var settings = new TrainerSettings { BatchSize = BatchSize, Seed = 1, Optimizer = new OptimizerSettings(OptimizerKind.Sgd, LearningRate) };
var results = new List<ConfigResult>();
// Thread counts outermost, one thread first: OpenBLAS's pool may keep spinning for a while
// after it is shrunk, which would disturb a one-thread measurement taken after it.
foreach (int threads in options.Threads)
{
    Blas.SetThreadCount(threads);
    foreach (var activation in activations)
    {
        var architecture = Architecture.Create(train.FeatureCount, hidden, activation, train.Classes!.Length, Loss.SoftmaxCrossEntropy);
        // A fresh model per configuration: every configuration trains the same steps from the same start.
        var loop = new TrainingLoop(Mlp.Initialize(architecture, seed: 1), train, settings);
        if (options.WarmupSteps > 0) loop.Run(options.WarmupSteps);
        var reps = Enumerable.Range(0, options.Repetitions).Select(_ => loop.Run(options.Steps)).ToArray();
        var median = reps.OrderBy(r => r.SamplesPerSecond).ElementAt(reps.Length / 2);
        double cpuMedian = reps.Select(r => r.SamplesPerCpuSecond).Order().ElementAt(reps.Length / 2);

        double? inference = options.Inference ? MeasureInference(loop.Model, test, Math.Max(3, options.Repetitions)) : null;
        GemmProbe.Result? gemm = options.Breakdown ? GemmProbe.Measure(architecture, BatchSize, minSeconds: 0.5) : null;
        var result = new ConfigResult(Activations.Name(activation), threads, median.SamplesPerSecond,
            reps.Select(r => Math.Round(r.SamplesPerSecond)).ToArray(), cpuMedian, inference,
            1e3 * median.Seconds / median.Steps, 1e3 * median.Gather / median.Steps, 1e3 * median.Gradient / median.Steps,
            1e3 * median.Rest / median.Steps, gemm is { } g ? 1e3 * g.SecondsPerStep : null, gemm?.GflopPerSecond,
            loop.ParameterHash());
        results.Add(result);
        Console.WriteLine($"  {result.Activation,-8} {threads} thread(s): {result.TrainSamplesPerSecond,9:N0} samples/s " +
            $"(best {result.TrainRepetitions.Max():N0}; {cpuMedian:N0} per CPU-second)" +
            (inference is { } i ? $", inference {i:N0} samples/s" : "") + $", parameters {result.ParameterHash}");
    }
}

double peakMiB = ProcessMemory.PeakMiB();
Console.WriteLine();
Console.WriteLine($"784-256-128-10, softmax-ce, sgd, batch {BatchSize}, float32; BLAS: {Blas.Backend}");
Console.WriteLine("activation  threads  train samples/s  (per CPU-s)  infer samples/s  ms/step  gather  gradient   rest  gemm alone (GFLOP/s)");
foreach (var r in results)
{
    Console.WriteLine($"{r.Activation,-10}  {r.Threads,7}  {r.TrainSamplesPerSecond,15:N0}  {r.TrainSamplesPerCpuSecond,11:N0}  " +
        $"{(r.InferenceSamplesPerSecond is { } i ? i.ToString("N0") : "-"),15}  " +
        $"{r.MsPerStep,7:F3}  {r.GatherMs,6:F3}  {r.GradientMs,8:F3}  {r.RestMs,5:F3}" +
        (r.GemmAloneMs is { } g ? $"  {g:F3} ms ({r.GemmGflopPerSecond:F0})" : ""));
}
Console.WriteLine($"peak memory (VmHWM): {peakMiB:F0} MiB (after loading the data: {afterLoadMiB:F0} MiB)");

if (options.JsonFile is { } json)
{
    var report = new BenchReport("DistNet", DateTime.Now.ToString("yyyy-MM-dd HH:mm"), LoadAverage(), Blas.Backend, Environment.Version.ToString(),
        options.DataDirectory, "784-256-128-10", BatchSize, LearningRate, options.WarmupSteps, options.Steps, options.Repetitions,
        loadSeconds, results, peakMiB, afterLoadMiB);
    File.WriteAllText(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
    Console.WriteLine($"wrote {json}");
}
return 0;

// Evaluation.Of is what `distnet eval` runs: forward passes of 1024 samples, loss and accuracy.
static double MeasureInference(Mlp model, Dataset test, int repetitions)
{
    Evaluation.Of(model, test, Penalty.None, InferenceBatch);
    var rates = new List<double>();
    for (int r = 0; r < repetitions; r++)
    {
        var clock = Stopwatch.StartNew();
        Evaluation.Of(model, test, Penalty.None, InferenceBatch);
        rates.Add(test.Count / clock.Elapsed.TotalSeconds);
    }
    rates.Sort();
    return rates[rates.Count / 2];
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

internal sealed record ConfigResult(string Activation, int Threads, double TrainSamplesPerSecond, double[] TrainRepetitions,
    double TrainSamplesPerCpuSecond, double? InferenceSamplesPerSecond, double MsPerStep, double GatherMs, double GradientMs, double RestMs,
    double? GemmAloneMs, double? GemmGflopPerSecond, string ParameterHash);

internal sealed record BenchReport(string Implementation, string Date, string LoadAverageAtEnd, string Blas, string Runtime, string Data, string Model,
    int BatchSize, double LearningRate, int WarmupSteps, int StepsPerRepetition, int Repetitions, double LoadSeconds,
    IReadOnlyList<ConfigResult> Configurations, double PeakMemoryMib, double MemoryAfterLoadMib);

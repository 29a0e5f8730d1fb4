using System.Diagnostics;
using DistNet.Core.Training;

namespace DistNet.Cli.Console;

/// <summary>
/// Progress of a training run: on a terminal a live bar redrawn in place (at most ten times a
/// second), and when output goes to a file or a pipe one plain line per epoch, which is what
/// CI logs and `tee` want.
/// </summary>
public sealed class TrainingProgress : ITrainingObserver, IDisposable
{
    private readonly TextWriter _output;
    private readonly bool _live;
    private readonly int _epochs;
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private bool _barShown;

    private TrainingProgress(TextWriter output, bool live, int epochs) => (_output, _live, _epochs) = (output, live, epochs);

    public static TrainingProgress For(TextWriter output, int epochs)
    {
        bool terminal = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected
            && Environment.GetEnvironmentVariable("TERM") is not (null or "dumb");
        return new TrainingProgress(output, terminal, epochs);
    }

    public void OnBatch(int epoch, int batch, int batchesPerEpoch, double runningLoss)
    {
        if (!_live || (_sinceDraw.ElapsedMilliseconds < 100 && batch != batchesPerEpoch)) return;
        _sinceDraw.Restart();
        double done = ((epoch - 1) + (double)batch / batchesPerEpoch) / Math.Max(1, _epochs);
        const int width = 30;
        int filled = (int)Math.Round(done * width);
        _output.Write($"\r  epoch {epoch}/{_epochs} [{new string('#', filled)}{new string('.', width - filled)}] {done,4:P0}  loss {runningLoss:F4}   ");
        _barShown = true;
    }

    public void OnEpoch(EpochReport r)
    {
        ClearBar();
        var line = $"epoch {r.Epoch,3}/{_epochs}  loss {r.Loss:F4}";
        if (r.Penalty > 0) line += $"  penalty {r.Penalty:F4}";
        if (r.TrainAccuracy is { } ta) line += $"  train-acc {ta:F4}";
        if (r.ValidationLoss is { } vl) line += $"  val-loss {vl:F4}";
        if (r.ValidationAccuracy is { } va) line += $"  val-acc {va:F4}";
        line += $"  {r.SamplesPerSecond,9:N0} samples/s  {r.ElapsedSeconds,6:F1}s";
        _output.WriteLine(line);
    }

    public void OnNotice(string message)
    {
        ClearBar();
        _output.WriteLine($"  note: {message}");
    }

    private void ClearBar()
    {
        if (!_barShown) return;
        _output.Write("\r" + new string(' ', 90) + "\r");
        _barShown = false;
    }

    public void Dispose() => ClearBar();
}

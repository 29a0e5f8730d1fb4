using System.Text.Json;
using DistNet.Core.Training;
using DistNet.Training.Telemetry;

namespace DistNet.Cli.Console;

/// <summary>
/// Writes one JSON object per epoch (JSON Lines), flushed as it goes so a watcher sees progress; with
/// the epoch's <see cref="EpochTimings"/> (told just before the epoch) under "timings".
/// </summary>
public sealed class MetricsWriter : ITrainingObserver, IEpochTimingsObserver, IDisposable
{
    private readonly StreamWriter _writer;
    private EpochTimings? _timings;

    public MetricsWriter(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        _writer = new StreamWriter(path, append: false) { AutoFlush = true };
    }

    public void OnEpochTimings(EpochTimings timings) => _timings = timings;

    public void OnEpoch(EpochReport report)
    {
        _writer.WriteLine(ToJson(report, _timings?.Epoch == report.Epoch ? _timings : null));
        _timings = null;
    }

    public static string ToJson(EpochReport r, EpochTimings? timings = null)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("epoch", r.Epoch);
            json.WriteNumber("loss", r.Loss);
            json.WriteNumber("penalty", r.Penalty);
            WriteOptional(json, "trainAccuracy", r.TrainAccuracy);
            WriteOptional(json, "validationLoss", r.ValidationLoss);
            WriteOptional(json, "validationAccuracy", r.ValidationAccuracy);
            json.WriteNumber("samplesPerSecond", Math.Round(r.SamplesPerSecond, 1));
            json.WriteNumber("elapsedSeconds", Math.Round(r.ElapsedSeconds, 4));
            if (timings is not null) WriteTimings(json, timings);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteTimings(Utf8JsonWriter json, EpochTimings t)
    {
        json.WriteStartObject("timings");
        json.WriteNumber("steps", t.Steps);
        Seconds(json, "stepMedianSeconds", t.StepMedianSeconds);
        Seconds(json, "stepP95Seconds", t.StepP95Seconds);
        Seconds(json, "combineSeconds", t.CombineSeconds);
        Seconds(json, "applySeconds", t.ApplySeconds);
        if (t.StalenessMean is { } mean) json.WriteNumber("stalenessMean", Math.Round(mean, 4));
        if (t.StalenessMax is { } max) json.WriteNumber("stalenessMax", max);
        json.WriteStartArray("workers");
        foreach (var w in t.Workers)
        {
            json.WriteStartObject();
            json.WriteNumber("worker", w.WorkerId);
            json.WriteNumber("tasks", w.Tasks);
            Seconds(json, "stepMedianSeconds", w.StepMedianSeconds);
            Seconds(json, "stepP95Seconds", w.StepP95Seconds);
            Seconds(json, "computeSeconds", w.ComputeSeconds);
            Seconds(json, "waitSeconds", w.WaitSeconds);
            Seconds(json, "faultSeconds", w.FaultSeconds);
            Seconds(json, "mailboxSeconds", w.MailboxSeconds);
            Seconds(json, "codecSeconds", w.CodecSeconds);
            Seconds(json, "wireSeconds", w.WireSeconds);
            json.WriteNumber("bytesSent", w.BytesSent);
            json.WriteNumber("bytesReceived", w.BytesReceived);
            Seconds(json, "waitedOnSeconds", w.WaitedOnSeconds);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Seconds to the microsecond; null when not measured (or not a number, e.g. the median of nothing).</summary>
    private static void Seconds(Utf8JsonWriter json, string name, double? value) =>
        WriteOptional(json, name, value is { } v ? Math.Round(v, 6) : null);

    private static void WriteOptional(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v)) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }

    public void Dispose() => _writer.Dispose();
}

public sealed class CompositeObserver(params ITrainingObserver?[] observers) : ITrainingObserver, IEpochTimingsObserver
{
    public void OnEpochTimings(EpochTimings timings)
    {
        foreach (var o in observers) (o as IEpochTimingsObserver)?.OnEpochTimings(timings);
    }

    public void OnBatch(int epoch, int batch, int batchesPerEpoch, double runningLoss)
    {
        foreach (var o in observers) o?.OnBatch(epoch, batch, batchesPerEpoch, runningLoss);
    }

    public void OnEpoch(EpochReport report)
    {
        foreach (var o in observers) o?.OnEpoch(report);
    }

    public void OnNotice(string message)
    {
        foreach (var o in observers) o?.OnNotice(message);
    }
}

using System.Text.Json;
using DistNet.Core.Training;
using DistNet.Training.Hosting;
using DistNet.Training.Telemetry;
using DistNet.Training.Workers;

namespace DistNet.Training.Tests.Telemetry;

public sealed class TelemetryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("distnet-telemetry-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static DistributedResult Run(RunTelemetry telemetry, DistributedSettings distributed, int epochs = 1,
        Func<int, IWorkerFaults>? faults = null, ITrainingObserver? observer = null)
    {
        var data = TrainingFixtures.Digits;
        return LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, TrainingFixtures.Settings(epochs),
            distributed, observer, faults, telemetry: telemetry);
    }

    [Theory]
    [InlineData(TrainingMode.Sync)]
    [InlineData(TrainingMode.Ssp)]
    public void A_slowed_worker_is_named_the_straggler_with_the_largest_wait_share(TrainingMode mode)
    {
        // 10 ms a task: far above the jitter of a loaded 2-core machine running other tests in parallel.
        var slow = new TestFaults { Delay = TimeSpan.FromMilliseconds(10) };
        using var telemetry = new RunTelemetry();
        // SSP counts a worker's clock from its first answer on: after epoch 1 the slow one holds the others back.
        var result = Run(telemetry, new DistributedSettings { Workers = 3, Mode = mode, Staleness = 1 },
            epochs: mode == TrainingMode.Ssp ? 3 : 1, faults: i => i == 1 ? slow : NoFaults.Instance);

        var report = telemetry.Straggler;
        Assert.Equal(1, report.SlowestWorker);
        var shares = report.Workers.ToDictionary(w => w.WorkerId, w => w.WaitShare);
        // Not "more than half": on a loaded 2-core machine (CI runs test assemblies side by side) the
        // others' own steps stretch to 5–8 ms, and the slow one's share fell to 0.37–0.50 in runs with
        // two busy loops beside (before and after commit 1038e95 alike). It still dwarfs theirs.
        Assert.True(shares[1] > 0.25, string.Join("\n", report.Lines()));
        Assert.True(shares[1] > 3 * Math.Max(shares[0], shares[2]), string.Join("\n", report.Lines()));
        Assert.True(report.Workers.Single(w => w.WorkerId == 1).MedianSeconds >= 0.010);
        // The injected delay is measured as such, on that worker only.
        var workers = telemetry.Epochs.SelectMany(e => e.Workers).ToList();
        Assert.True(workers.Where(w => w.WorkerId == 1).Sum(w => w.FaultSeconds) >= 0.010 * slow.Tasks * 0.9);
        Assert.All(workers.Where(w => w.WorkerId != 1), w => Assert.Equal(0, w.FaultSeconds));
        Assert.True(result.LedgerExactlyOnce);
    }

    [Fact]
    public void Injected_delays_are_instant_events_on_the_slowed_workers_track()
    {
        string path = Path.Combine(_dir, "faults.json");
        var slow = new TestFaults { Delay = TimeSpan.FromMilliseconds(1) };
        using (var telemetry = new RunTelemetry(path))
            Run(telemetry, new DistributedSettings { Workers = 2 }, faults: i => i == 0 ? slow : NoFaults.Instance);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var delays = document.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("name").GetString() == "injected delay").ToList();
        Assert.Equal(slow.Tasks, delays.Count);
        Assert.All(delays, e =>
        {
            Assert.Equal("i", e.GetProperty("ph").GetString());
            Assert.Equal(TraceWriter.WorkerTrack(0), e.GetProperty("tid").GetInt32());
            Assert.True(e.GetProperty("args").GetProperty("microseconds").GetInt64() >= 1000);
        });
    }

    [Fact]
    public void Epoch_timings_account_for_every_task_and_byte()
    {
        using var telemetry = new RunTelemetry();
        var result = Run(telemetry, new DistributedSettings { Workers = 2 }, epochs: 2);
        int parameters = TrainingFixtures.DigitsModel().Parameters.Length;

        Assert.Equal([1, 2], telemetry.Epochs.Select(e => e.Epoch));
        Assert.Equal(result.Stats.Updates, telemetry.Epochs.Sum(e => e.Steps));
        var workers = telemetry.Epochs.SelectMany(e => e.Workers).ToList();
        Assert.Equal(result.Stats.TasksSent, workers.Sum(w => w.Tasks));
        // In process a task carries one parameter vector and its answer one gradient per aligned block of
        // micro-shards: 2 workers with 8 micro-shards hold blocks 0–3 and 4–7, so one gradient per task.
        Assert.Equal(4L * parameters * result.Stats.TasksSent, workers.Sum(w => w.BytesSent));
        Assert.Equal(4L * parameters * result.Stats.TasksSent, workers.Sum(w => w.BytesReceived));
        Assert.Equal(2 * result.Stats.Updates, result.Stats.TasksSent);
        Assert.All(workers, w =>
        {
            Assert.True(w.ComputeSeconds > 0);
            Assert.NotNull(w.MailboxSeconds); // in process: measured
            Assert.Null(w.CodecSeconds);      // nothing serialized
            Assert.Null(w.WireSeconds);
            Assert.True(w.StepP95Seconds >= w.StepMedianSeconds);
        });
        Assert.All(telemetry.Epochs, e => Assert.Null(e.StalenessMean));
    }

    [Fact]
    public void Async_runs_record_staleness_per_epoch()
    {
        using var telemetry = new RunTelemetry();
        var result = Run(telemetry, new DistributedSettings { Workers = 3, Mode = TrainingMode.Async });
        var epoch = Assert.Single(telemetry.Epochs);
        Assert.Equal(result.Stats.Updates, epoch.Steps);
        Assert.NotNull(epoch.StalenessMean);
        Assert.Equal(result.Stats.MaxStaleness, epoch.StalenessMax);
        Assert.NotNull(telemetry.Straggler.SlowestWorker);
    }

    [Fact]
    public void Measuring_does_not_change_the_sync_result()
    {
        var data = TrainingFixtures.Digits;
        var plain = LocalTraining.Run(TrainingFixtures.DigitsModel(), data.Train, data.Validation, TrainingFixtures.Settings(1),
            new DistributedSettings { Workers = 2 });
        using var telemetry = new RunTelemetry(Path.Combine(_dir, "trace.json"));
        var measured = Run(telemetry, new DistributedSettings { Workers = 3 });
        Assert.Equal(plain.Model.Parameters, measured.Model.Parameters);
    }

    [Fact]
    public void The_trace_is_trace_event_json_with_one_step_span_per_worker_per_step()
    {
        string path = Path.Combine(_dir, "sub", "trace.json");
        DistributedResult result;
        using (var telemetry = new RunTelemetry(path))
        {
            result = Run(telemetry, new DistributedSettings { Workers = 3 });
            telemetry.RecordInstant("injected fault", workerId: 2, detail: "test");
        }
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var events = document.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        Assert.All(events, e =>
        {
            Assert.Contains(e.GetProperty("ph").GetString(), new[] { "X", "i", "M" });
            Assert.Equal(1, e.GetProperty("pid").GetInt32());
        });
        var spans = events.Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        Assert.All(spans, e => Assert.True(e.GetProperty("dur").GetDouble() >= 0 && e.GetProperty("ts").GetDouble() >= 0));
        long Steps(int track) => spans.Count(e => e.GetProperty("tid").GetInt32() == track && e.GetProperty("name").GetString() == "step");
        Assert.Equal(result.Stats.Updates, Steps(TraceWriter.ServerTrack));
        for (int worker = 0; worker < 3; worker++)
        {
            Assert.Equal(result.Stats.Updates, Steps(TraceWriter.WorkerTrack(worker)));
            Assert.Equal(result.Stats.Updates, spans.Count(e => e.GetProperty("tid").GetInt32() == TraceWriter.WorkerTrack(worker)
                && e.GetProperty("name").GetString() == "compute"));
        }
        // Every step span says which step it is; tracks are named.
        Assert.All(spans.Where(e => e.GetProperty("name").GetString() == "step"),
            e => Assert.True(e.GetProperty("args").GetProperty("step").GetInt64() >= 1));
        var names = events.Where(e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name")
            .Select(e => e.GetProperty("args").GetProperty("name").GetString()).ToList();
        Assert.Equal(["server", "worker 0", "worker 1", "worker 2"], names);
        var fault = Assert.Single(events, e => e.GetProperty("name").GetString() == "injected fault");
        Assert.Equal("i", fault.GetProperty("ph").GetString());
        Assert.Equal(TraceWriter.WorkerTrack(2), fault.GetProperty("tid").GetInt32());
        Assert.Equal("test", fault.GetProperty("args").GetProperty("detail").GetString());
    }

    [Fact]
    public void Phases_sit_inside_their_step_on_the_worker_track()
    {
        string path = Path.Combine(_dir, "trace.json");
        using (var telemetry = new RunTelemetry(path))
            Run(telemetry, new DistributedSettings { Workers = 2 });
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var track = document.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("tid").GetInt32() == TraceWriter.WorkerTrack(0))
            .Select(e => (Name: e.GetProperty("name").GetString()!, Start: e.GetProperty("ts").GetDouble(), End: e.GetProperty("ts").GetDouble() + e.GetProperty("dur").GetDouble()))
            .ToList();
        var steps = track.Where(e => e.Name == "step").ToList();
        foreach (var phase in track.Where(e => e.Name is "compute" or "mailbox" or "fault"))
            Assert.Contains(steps, s => s.Start <= phase.Start && phase.End <= s.End);
        Assert.Contains(track, e => e.Name == "wait for weights");
    }
}

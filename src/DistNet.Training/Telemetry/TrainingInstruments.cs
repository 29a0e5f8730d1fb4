using System.Diagnostics.Metrics;

namespace DistNet.Training.Telemetry;

/// <summary>
/// DistNet's instruments, on a <see cref="Meter"/> named <see cref="MeterName"/>: any
/// System.Diagnostics.Metrics listener (OpenTelemetry, prometheus-net, dotnet-counters) can read them.
/// Each run has its own Meter instance (so that tests running side by side do not mix their counts);
/// an exporter that subscribes by name sees every run in the process. Instruments cost next to
/// nothing while no listener is enabled. Names and units: docs/observability.md.
/// </summary>
public sealed class TrainingInstruments : IDisposable
{
    public const string MeterName = "DistNet.Training";
    public const string WorkerTag = "worker";

    private static readonly double[] SecondsBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    private static readonly long[] StalenessBuckets = [0, 1, 2, 3, 4, 6, 8, 12, 16, 32, 64];

    private KeyValuePair<string, object?>[] _workerTags = [];

    public Meter Meter { get; }

    /// <summary>Server: from handing out a step's work to its update applied.</summary>
    public Histogram<double> StepDuration { get; }
    /// <summary>Per worker: a task's round trip as the server sees it, send to answer dequeued.</summary>
    public Histogram<double> WorkerStepDuration { get; }
    public Histogram<double> ComputeDuration { get; }
    public Histogram<double> WaitDuration { get; }
    public Histogram<double> FaultDuration { get; }
    public Histogram<double> MailboxDuration { get; }
    public Histogram<double> CodecDuration { get; }
    public Histogram<double> WireDuration { get; }
    public Histogram<double> CombineDuration { get; }
    public Histogram<double> ApplyDuration { get; }
    public Histogram<long> Staleness { get; }
    public Counter<long> Steps { get; }
    public Counter<long> BytesSent { get; }
    public Counter<long> BytesReceived { get; }

    public TrainingInstruments()
    {
        Meter = new Meter(MeterName, typeof(TrainingInstruments).Assembly.GetName().Version?.ToString());
        StepDuration = Seconds("distnet.step.duration", "Server: from sending a step's work to its update applied");
        WorkerStepDuration = Seconds("distnet.worker.step.duration", "Per worker: a task's round trip as the server sees it, from sending it to dequeuing the answer");
        ComputeDuration = Seconds("distnet.worker.compute.duration", "Per worker: computing a task's gradients (or local steps)");
        WaitDuration = Seconds("distnet.worker.wait.duration", "Per worker: from sending its previous answer to dequeuing the next task (waiting for weights)");
        FaultDuration = Seconds("distnet.worker.fault.duration", "Per worker: time in the fault hook (injected delays), recorded when non-zero");
        MailboxDuration = Seconds("distnet.worker.mailbox.duration", "Per worker, in process: time the task and the answer spent in mailboxes");
        CodecDuration = Seconds("distnet.worker.codec.duration", "Per worker, across processes: serializing and deserializing the task and the answer");
        WireDuration = Seconds("distnet.worker.wire.duration", "Per worker, across processes, estimated: round trip minus worker time and codec time");
        CombineDuration = Seconds("distnet.server.combine.duration", "Server: summing (or averaging) a step's gradients");
        ApplyDuration = Seconds("distnet.server.apply.duration", "Server: penalty and optimiser step");
        Staleness = Meter.CreateHistogram("distnet.staleness", "{version}",
            "async/ssp: server version minus the version a gradient was computed on", tags: null,
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = StalenessBuckets });
        Steps = Meter.CreateCounter<long>("distnet.steps", "{step}", "Updates applied to the parameters");
        BytesSent = Meter.CreateCounter<long>("distnet.bytes.sent", "By", "Per worker: task bytes from the server to the worker (exact across processes, 4 × floats in process)");
        BytesReceived = Meter.CreateCounter<long>("distnet.bytes.received", "By", "Per worker: answer bytes from the worker to the server (exact across processes, 4 × floats in process)");
    }

    private Histogram<double> Seconds(string name, string description) =>
        Meter.CreateHistogram(name, "s", description, tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    /// <summary>The worker tag, allocated once per worker id (its value a string, ready to be a label).</summary>
    public KeyValuePair<string, object?> Worker(int workerId)
    {
        if (workerId < 0) return new(WorkerTag, workerId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (workerId >= _workerTags.Length)
        {
            var grown = new KeyValuePair<string, object?>[Math.Max(workerId + 1, _workerTags.Length * 2)];
            _workerTags.CopyTo(grown, 0);
            _workerTags = grown;
        }
        if (_workerTags[workerId].Key is null)
            _workerTags[workerId] = new(WorkerTag, workerId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return _workerTags[workerId];
    }

    public void Dispose() => Meter.Dispose();
}

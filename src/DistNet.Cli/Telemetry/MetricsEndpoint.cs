using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Prometheus;

namespace DistNet.Cli.Telemetry;

/// <summary>
/// Serves one <see cref="Meter"/>'s instruments at http://127.0.0.1:PORT/metrics in the Prometheus
/// text format, with prometheus-net's <see cref="MetricServer"/> (an HttpListener; no ASP.NET) bound to
/// the loopback address only. A <see cref="MeterListener"/> feeds each measurement into a native
/// prometheus-net metric: counters become counters (<c>_total</c>), histograms histograms with the
/// instrument's bucket advice, and the unit joins the name (<c>_seconds</c>, <c>_bytes</c>). (prometheus-net's
/// own MeterAdapter works as well, but publishes .NET counters as gauges and prefixes the meter name.)
/// Its registry is private to the endpoint, so only this run's instruments and the process's own
/// statistics are served.
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly IMetricFactory _factory;
    private MetricServer? _server;

    private MetricsEndpoint(Meter meter, int port)
    {
        _factory = Metrics.WithCustomRegistry(_registry);
        DotNetStats.Register(_registry);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!ReferenceEquals(instrument.Meter, meter)) return;
            Binding? binding = instrument switch
            {
                Counter<long> or Counter<double> => new CounterBinding(_factory, instrument),
                Histogram<long> or Histogram<double> => new HistogramBinding(_factory, instrument),
                _ => null,
            };
            if (binding is not null) listener.EnableMeasurementEvents(instrument, binding);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((Binding)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((Binding)state!).Record(value, tags));
        _listener.Start();
        Port = port;
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/metrics";

    /// <summary>Starts serving; a port that cannot be bound is the user's to change (a <see cref="UsageException"/>).</summary>
    public static MetricsEndpoint Start(Meter meter, int port)
    {
        WarmUp();
        var endpoint = new MetricsEndpoint(meter, port);
        try
        {
            endpoint._server = new MetricServer("127.0.0.1", port, "metrics/", endpoint._registry);
            endpoint._server.Start();
        }
        catch (HttpListenerException e)
        {
            endpoint._listener.Dispose();
            throw new UsageException($"--metrics-port {port}: cannot serve on 127.0.0.1:{port} ({e.Message})");
        }
        return endpoint;
    }

    /// <summary>
    /// Runs the recording and export paths once on a scratch meter, so that the first steps of
    /// training do not pay for compiling them (some 20–30 ms at the first measurement otherwise).
    /// </summary>
    private static void WarmUp()
    {
        using var meter = new Meter("DistNet.WarmUp");
        var scratch = new MetricsEndpoint(meter, 0);
        var tag = new KeyValuePair<string, object?>("worker", "0");
        meter.CreateHistogram<double>("warm.seconds", "s").Record(0.001, tag);
        meter.CreateHistogram<long>("warm.count").Record(1);
        meter.CreateCounter<long>("warm.bytes", "By").Add(1, tag);
        scratch.ScrapeAsync().GetAwaiter().GetResult();
        scratch._listener.Dispose();
    }

    /// <summary>The text a scrape would get now (also what tests compare against).</summary>
    public async Task<string> ScrapeAsync()
    {
        using var buffer = new MemoryStream();
        await _registry.CollectAndExportAsTextAsync(buffer).ConfigureAwait(false);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public void Dispose()
    {
        _server?.Stop();
        _listener.Dispose();
    }

    /// <summary>"distnet.worker.step.duration" in seconds → distnet_worker_step_duration_seconds; counters end in _total.</summary>
    internal static string PrometheusName(Instrument instrument)
    {
        var name = new StringBuilder(instrument.Name.Length + 16);
        foreach (char c in instrument.Name) name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
        string? unit = instrument.Unit switch { "s" => "seconds", "By" => "bytes", _ => null };
        var text = name.ToString();
        if (unit is not null && !text.Split('_').Contains(unit)) text += "_" + unit;
        if (instrument is Counter<long> or Counter<double>) text += "_total";
        return text;
    }

    private static string Help(Instrument instrument) =>
        string.IsNullOrEmpty(instrument.Unit) ? instrument.Description ?? instrument.Name : $"{instrument.Description} ({instrument.Unit})";

    /// <summary>One instrument's metric; created at its first measurement, when the tag names are known.</summary>
    private abstract class Binding(IMetricFactory factory, Instrument instrument)
    {
        private readonly object _lock = new();
        private readonly Dictionary<string, object> _children = new();
        private string[]? _labelNames;

        protected IMetricFactory Factory { get; } = factory;
        protected Instrument Instrument { get; } = instrument;
        protected string Name { get; } = PrometheusName(instrument);
        protected string HelpText { get; } = Help(instrument);

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_lock)
            {
                if (_labelNames is null)
                {
                    _labelNames = new string[tags.Length];
                    for (int i = 0; i < tags.Length; i++) _labelNames[i] = tags[i].Key;
                    Create(_labelNames);
                }
                if (tags.Length != _labelNames.Length) return; // a different tag set: not this metric's shape
                string key = tags.Length switch
                {
                    0 => "",
                    1 => tags[0].Value as string ?? tags[0].Value?.ToString() ?? "",
                    _ => string.Join('\u0001', tags.ToArray().Select(t => t.Value?.ToString() ?? "")),
                };
                if (!_children.TryGetValue(key, out var child))
                {
                    var values = new string[tags.Length];
                    for (int i = 0; i < tags.Length; i++) values[i] = tags[i].Value?.ToString() ?? "";
                    _children[key] = child = Child(values);
                }
                Observe(child, value);
            }
        }

        protected abstract void Create(string[] labelNames);
        protected abstract object Child(string[] labelValues);
        protected abstract void Observe(object child, double value);
    }

    private sealed class CounterBinding(IMetricFactory factory, Instrument instrument) : Binding(factory, instrument)
    {
        private Counter? _counter;

        protected override void Create(string[] labelNames) => _counter = Factory.CreateCounter(Name, HelpText, labelNames);
        protected override object Child(string[] labelValues) => labelValues.Length == 0 ? _counter! : _counter!.WithLabels(labelValues);
        protected override void Observe(object child, double value) => ((ICounter)child).Inc(value);
    }

    private sealed class HistogramBinding(IMetricFactory factory, Instrument instrument) : Binding(factory, instrument)
    {
        private Histogram? _histogram;

        protected override void Create(string[] labelNames)
        {
            double[]? buckets = Instrument switch
            {
                Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray(),
                Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray(),
                _ => null,
            };
            _histogram = Factory.CreateHistogram(Name, HelpText, labelNames,
                buckets is null ? null : new HistogramConfiguration { Buckets = buckets });
        }

        protected override object Child(string[] labelValues) => labelValues.Length == 0 ? _histogram! : _histogram!.WithLabels(labelValues);
        protected override void Observe(object child, double value) => ((IHistogram)child).Observe(value);
    }
}

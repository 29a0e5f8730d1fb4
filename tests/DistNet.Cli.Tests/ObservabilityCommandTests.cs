using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using DistNet.Cli.Telemetry;

namespace DistNet.Cli.Tests;

public class ObservabilityCommandTests
{
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// Scrapes /metrics the moment the last epoch is reported: every step has run and been recorded,
    /// and the endpoint is still serving (it stops when the command ends).
    /// </summary>
    private sealed class ScrapeAtLastEpoch(string url, string lastEpochLine) : StringWriter
    {
        public string? Scrape { get; private set; }
        public string? ContentType { get; private set; }

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (Scrape is not null || value is null || !value.StartsWith(lastEpochLine, StringComparison.Ordinal)) return;
            using var http = new HttpClient();
            using var response = http.GetAsync(url).GetAwaiter().GetResult();
            ContentType = response.Content.Headers.ContentType?.ToString();
            Scrape = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        }
    }

    /// <summary>Sample lines of the Prometheus text format: "name{labels}" → value.</summary>
    private static Dictionary<string, double> Samples(string text) => text.Split('\n')
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => (Key: l[..l.LastIndexOf(' ')], Value: double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)))
        .ToDictionary(s => s.Key, s => s.Value);

    private static (long Updates, long Tasks, Dictionary<int, long> PerWorker, int Parameters) Summary(string output)
    {
        var counts = Regex.Match(output, @"(\d+) updates, (\d+) tasks");
        var perWorker = Regex.Match(output, "tasks per worker: (.*)").Groups[1].Value.Split(", ")
            .Select(p => p.Split(": ")).ToDictionary(p => int.Parse(p[0]), p => long.Parse(p[1]));
        int parameters = int.Parse(Regex.Match(output, @"([\d,]+) parameters").Groups[1].Value.Replace(",", ""));
        return (long.Parse(counts.Groups[1].Value), long.Parse(counts.Groups[2].Value), perWorker, parameters);
    }

    [Fact]
    public void Metrics_are_served_in_Prometheus_text_format_and_count_the_steps_run()
    {
        int port = FreePort();
        var output = new ScrapeAtLastEpoch($"http://127.0.0.1:{port}/metrics", "epoch   2/2");
        var error = new StringWriter();
        int code = CliApp.Run(["train", "--workers", "2", "--epochs", "2", "--hidden", "16", "--metrics-port", port.ToString()], output, error);
        Assert.True(code == 0, error.ToString());
        Assert.Contains($"metrics at http://127.0.0.1:{port}/metrics", output.ToString());
        Assert.NotNull(output.Scrape);
        Assert.StartsWith("text/plain; version=0.0.4", output.ContentType);

        var text = output.Scrape!;
        Assert.Contains("# TYPE distnet_worker_step_duration_seconds histogram", text);
        Assert.Contains("# TYPE distnet_step_duration_seconds histogram", text);
        Assert.Contains("# TYPE distnet_bytes_sent_total counter", text);
        Assert.Contains("# TYPE distnet_bytes_received_total counter", text);
        var samples = Samples(text);
        var (updates, tasks, perWorker, parameters) = Summary(output.ToString());
        Assert.Equal(updates, samples["distnet_steps_total"]);
        Assert.Equal(updates, samples["distnet_step_duration_seconds_count"]);
        Assert.Equal(updates, samples["distnet_step_duration_seconds_bucket{le=\"+Inf\"}"]);
        Assert.Equal(tasks, perWorker.Keys.Sum(w => samples[$"distnet_worker_step_duration_seconds_count{{worker=\"{w}\"}}"]));
        foreach (var (worker, workerTasks) in perWorker)
        {
            // In process a task's bytes are its parameter vector: 4 bytes per float.
            Assert.Equal(4.0 * parameters * workerTasks, samples[$"distnet_bytes_sent_total{{worker=\"{worker}\"}}"]);
            Assert.True(samples[$"distnet_bytes_received_total{{worker=\"{worker}\"}}"] >= 4.0 * parameters * workerTasks);
            Assert.Equal(workerTasks, samples[$"distnet_worker_compute_duration_seconds_count{{worker=\"{worker}\"}}"]);
        }
    }

    [Fact]
    public void Trace_metrics_lines_and_straggler_report_come_out_of_one_run()
    {
        using var dir = new TempDir();
        string trace = dir.File("trace.json"), metrics = dir.File("metrics.jsonl");
        var run = CliRunner.Run("train", "--workers", "2", "--epochs", "2", "--hidden", "16", "--trace-out", trace, "--metrics-out", metrics);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains($"trace written to {trace}", run.Output);
        Assert.Contains("stragglers: step time per worker", run.Output);
        Assert.Matches(@"slowest: worker [01] ", run.Output);
        var (updates, _, _, _) = Summary(run.Output);

        using var document = JsonDocument.Parse(File.ReadAllText(trace));
        var steps = document.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("name").GetString() == "step")
            .GroupBy(e => e.GetProperty("tid").GetInt32()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<int, int> { [0] = (int)updates, [1] = (int)updates, [2] = (int)updates }, steps);

        var lines = File.ReadAllLines(metrics).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        foreach (var line in lines)
        {
            var timings = line.GetProperty("timings");
            Assert.True(timings.GetProperty("steps").GetInt32() > 0);
            var workers = timings.GetProperty("workers").EnumerateArray().ToList();
            Assert.Equal([0, 1], workers.Select(w => w.GetProperty("worker").GetInt32()));
            Assert.All(workers, w =>
            {
                Assert.True(w.GetProperty("computeSeconds").GetDouble() > 0);
                Assert.True(w.GetProperty("bytesSent").GetInt64() > 0);
                Assert.Equal(JsonValueKind.Number, w.GetProperty("mailboxSeconds").ValueKind);
                Assert.Equal(JsonValueKind.Null, w.GetProperty("wireSeconds").ValueKind);
            });
        }
    }

    [Fact]
    public void Bad_observability_options_are_usage_errors()
    {
        var zero = CliRunner.Run("train", "--metrics-port", "0", "--epochs", "1");
        Assert.Equal(ExitCodes.BadInput, zero.ExitCode);
        Assert.Contains("--metrics-port must be between 1 and 65535", zero.ErrorLines[0]);

        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var busy = CliRunner.Run("train", "--metrics-port", port.ToString(), "--epochs", "1");
            Assert.Equal(ExitCodes.BadInput, busy.ExitCode);
            Assert.Contains($"--metrics-port {port}: cannot serve on 127.0.0.1:{port}", busy.ErrorLines[0]);
        }
        finally { taken.Stop(); }

        using var dir = new TempDir();
        var directory = CliRunner.Run("train", "--trace-out", dir.Path, "--epochs", "1");
        Assert.Equal(ExitCodes.BadInput, directory.ExitCode);
        Assert.StartsWith($"distnet: --trace-out {dir.Path}: ", directory.ErrorLines[0]);
    }

    [Fact]
    public void Instrument_names_follow_the_Prometheus_conventions()
    {
        using var meter = new Meter("test");
        Assert.Equal("distnet_bytes_sent_total", MetricsEndpoint.PrometheusName(meter.CreateCounter<long>("distnet.bytes.sent", "By")));
        Assert.Equal("distnet_steps_total", MetricsEndpoint.PrometheusName(meter.CreateCounter<long>("distnet.steps", "{step}")));
        Assert.Equal("distnet_step_duration_seconds", MetricsEndpoint.PrometheusName(meter.CreateHistogram<double>("distnet.step.duration", "s")));
        Assert.Equal("distnet_staleness", MetricsEndpoint.PrometheusName(meter.CreateHistogram<long>("distnet.staleness", "{version}")));
    }
}

using System.Diagnostics;
using System.Text.Json;
using DistNet.Training.Telemetry;

namespace DistNet.Training.Tests.Telemetry;

public sealed class TraceWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("distnet-trace-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Long_traces_spill_to_a_scratch_file_and_come_back_in_order()
    {
        string path = Path.Combine(_dir, "long.json");
        long origin = Stopwatch.GetTimestamp(), tick = Stopwatch.Frequency / 1_000_000; // one microsecond
        int span = TraceWriter.Label("span"), category = TraceWriter.Label("test"), index = TraceWriter.Label("index");
        const int count = 20_000; // more than two batches
        using (var trace = new TraceWriter(path, origin))
        {
            for (int i = 0; i < count; i++)
                trace.Span(TraceWriter.WorkerTrack(i % 3), span, category, origin + i * tick, origin + (i + 1) * tick, 1, i + 1, index, i);
            trace.Instant(TraceWriter.ServerTrack, "marker", "event", origin, "the end");
            Assert.Single(Directory.GetFiles(_dir, ".*.events")); // the scratch file, while recording
            Assert.Equal(count + 1, trace.EventCount);
        }
        Assert.Empty(Directory.GetFiles(_dir, ".*.events"));

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        Assert.Equal("ms", document.RootElement.GetProperty("displayTimeUnit").GetString());
        var spans = document.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        Assert.Equal(count, spans.Count);
        for (int i = 0; i < count; i += 997)
        {
            Assert.Equal(i, spans[i].GetProperty("args").GetProperty("index").GetInt64());
            Assert.Equal(i % 3 + 1, spans[i].GetProperty("tid").GetInt32());
            Assert.InRange(spans[i].GetProperty("ts").GetInt64(), i - 1, i);
            Assert.InRange(spans[i].GetProperty("dur").GetInt64(), 0, 2);
        }
    }

    [Fact]
    public void A_trace_closed_without_events_is_still_valid_and_closing_twice_is_harmless()
    {
        string path = Path.Combine(_dir, "empty.json");
        var trace = new TraceWriter(path, Stopwatch.GetTimestamp());
        trace.Close();
        trace.Close();
        trace.Instant(0, "too late", "event", Stopwatch.GetTimestamp()); // ignored
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var events = document.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        Assert.All(events, e => Assert.Equal("M", e.GetProperty("ph").GetString()));
        Assert.Null(trace.Error);
    }
}

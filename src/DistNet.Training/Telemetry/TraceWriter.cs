using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace DistNet.Training.Telemetry;

/// <summary>
/// A timeline in the Chrome trace-event format (JSON; opens in https://ui.perfetto.dev and
/// chrome://tracing): one track ("thread") for the server and one per worker, complete events ("X")
/// for spans and instant events ("i") for things that happen at a moment, such as injected faults.
/// </summary>
/// <remarks>
/// Cheap while training: an event is a reference-free struct (names are interned to numbers, see
/// <see cref="Label"/>) appended to a preallocated batch; a full batch is copied as raw bytes to a
/// scratch file beside the trace (deleted on close), so memory stays bounded, the garbage collector
/// never scans the buffers and no JSON is formatted until <see cref="Close"/>, after training.
/// Thread-safe: the server adds spans, anyone may add instants. An I/O error stops the tracing
/// (never the training) and is reported by <see cref="Error"/>.
/// </remarks>
public sealed class TraceWriter : IDisposable
{
    public const int ServerTrack = 0;
    private const int Pid = 1;
    private const int BatchSize = 8192;
    private const byte Complete = (byte)'X', Moment = (byte)'i';

    private static readonly ConcurrentDictionary<string, int> LabelIds = new();
    private static readonly List<JsonEncodedText> LabelTexts = new();

    private static readonly JsonEncodedText NameProp = JsonEncodedText.Encode("name"), CatProp = JsonEncodedText.Encode("cat"),
        PhProp = JsonEncodedText.Encode("ph"), TsProp = JsonEncodedText.Encode("ts"), DurProp = JsonEncodedText.Encode("dur"),
        PidProp = JsonEncodedText.Encode("pid"), TidProp = JsonEncodedText.Encode("tid"), ArgsProp = JsonEncodedText.Encode("args"),
        EpochProp = JsonEncodedText.Encode("epoch"), StepProp = JsonEncodedText.Encode("step"), DetailProp = JsonEncodedText.Encode("detail"),
        ScopeProp = JsonEncodedText.Encode("s"), X = JsonEncodedText.Encode("X"), I = JsonEncodedText.Encode("i"), Thread = JsonEncodedText.Encode("t");

    [StructLayout(LayoutKind.Sequential)]
    private struct Event
    {
        public long Start, End, Step, ArgValue;
        public int Track, Epoch, Name, Category, ArgName, Detail; // ArgName, Detail: −1 for none
        public byte Phase;
    }

    private readonly object _lock = new();
    private readonly List<string> _details = new();
    private bool[] _tracks = new bool[64];
    private readonly double _microsecondsPerTick = 1e6 / System.Diagnostics.Stopwatch.Frequency;
    private readonly long _origin;
    private readonly string _processName;
    private readonly Event[] _batch = new Event[BatchSize];
    private int _count;
    private FileStream? _spill;
    private long _spilled;
    private Stream? _stream;
    private bool _closed;

    /// <summary>Creates (or replaces) the file now, so that a bad path fails before training.</summary>
    /// <param name="origin">The Stopwatch timestamp that is time 0 of the trace.</param>
    public TraceWriter(string path, long origin, string processName = "distnet")
    {
        Path = path;
        _origin = origin;
        _processName = processName;
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
    }

    public string Path { get; }

    /// <summary>The I/O error that stopped the tracing, if any.</summary>
    public string? Error { get; private set; }

    public long EventCount { get; private set; }

    /// <summary>Worker n's track (the server's is 0); tracks must not be negative.</summary>
    public static int WorkerTrack(int workerId) => workerId + 1;

    /// <summary>A name or category as a number, for the recording calls; the same string always gives the same number.</summary>
    public static int Label(string text)
    {
        if (LabelIds.TryGetValue(text, out int id)) return id;
        lock (LabelTexts)
        {
            if (LabelIds.TryGetValue(text, out id)) return id;
            LabelTexts.Add(JsonEncodedText.Encode(text));
            id = LabelTexts.Count - 1;
            LabelIds[text] = id;
            return id;
        }
    }

    /// <summary>A span from one Stopwatch timestamp to another on a track.</summary>
    /// <param name="argName">A <see cref="Label"/> for one more numeric argument, or −1.</param>
    public void Span(int track, int name, int category, long start, long end, int epoch, long step, int argName = -1, long argValue = 0)
    {
        lock (_lock)
        {
            if (_closed) return;
            ref var e = ref Next(track);
            e.Phase = Complete;
            e.Name = name;
            e.Category = category;
            e.Start = start;
            e.End = end < start ? start : end;
            e.Epoch = epoch;
            e.Step = step;
            e.ArgName = argName;
            e.ArgValue = argValue;
            e.Detail = -1;
            Added();
        }
    }

    /// <summary>A moment on a track, with one numeric argument (<paramref name="argName"/> a <see cref="Label"/>, or −1).</summary>
    public void Instant(int track, int name, int category, long at, int epoch, long step, int argName, long argValue) =>
        AddInstant(track, name, category, at, epoch, step, argName, argValue, detail: null);

    /// <summary>Something that happened at a moment, e.g. an injected fault; <paramref name="detail"/> is shown with it.</summary>
    public void Instant(int track, string name, string category, long at, string? detail = null, int epoch = 0, long step = 0) =>
        AddInstant(track, Label(name), Label(category), at, epoch, step, -1, 0, detail);

    private void AddInstant(int track, int name, int category, long at, int epoch, long step, int argName, long argValue, string? detail)
    {
        lock (_lock)
        {
            if (_closed) return;
            ref var e = ref Next(track);
            e.Phase = Moment;
            e.Name = name;
            e.Category = category;
            e.Start = e.End = at;
            e.Epoch = epoch;
            e.Step = step;
            e.ArgName = argName;
            e.ArgValue = argValue;
            e.Detail = -1;
            if (detail is not null)
            {
                e.Detail = _details.Count;
                _details.Add(detail);
            }
            Added();
        }
    }

    private ref Event Next(int track)
    {
        if (track < 0) track = ServerTrack;
        if (track >= _tracks.Length) Array.Resize(ref _tracks, Math.Max(track + 1, _tracks.Length * 2));
        _tracks[track] = true;
        ref var e = ref _batch[_count];
        e.Track = track;
        return ref e;
    }

    private void Added()
    {
        EventCount++;
        if (++_count == BatchSize) Spill();
    }

    /// <summary>Copies the full batch, as it is in memory, to the scratch file, and starts the batch over.</summary>
    private void Spill()
    {
        try
        {
            _spill ??= new FileStream(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!,
                    $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.events"),
                FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            _spill.Write(MemoryMarshal.AsBytes(_batch.AsSpan(0, _count)));
            _spilled += _count;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(e);
        }
        _count = 0;
    }

    private void Write(Utf8JsonWriter json, in Event e, JsonEncodedText[] labels, string[] details)
    {
        // Whole microseconds, floored: a phase inside a step stays inside it after rounding.
        long start = Microseconds(e.Start);
        json.WriteStartObject();
        json.WriteString(NameProp, labels[e.Name]);
        json.WriteString(CatProp, labels[e.Category]);
        json.WriteString(PhProp, e.Phase == Complete ? X : I);
        json.WriteNumber(TsProp, start);
        if (e.Phase == Complete) json.WriteNumber(DurProp, Microseconds(e.End) - start);
        else json.WriteString(ScopeProp, Thread);
        json.WriteNumber(PidProp, Pid);
        json.WriteNumber(TidProp, e.Track);
        if (e.Epoch > 0 || e.Step > 0 || e.ArgName >= 0 || e.Detail >= 0)
        {
            json.WriteStartObject(ArgsProp);
            if (e.Epoch > 0) json.WriteNumber(EpochProp, e.Epoch);
            if (e.Step > 0) json.WriteNumber(StepProp, e.Step);
            if (e.ArgName >= 0) json.WriteNumber(labels[e.ArgName], e.ArgValue);
            if (e.Detail >= 0) json.WriteString(DetailProp, details[e.Detail]);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private long Microseconds(long timestamp) => (long)Math.Floor((timestamp - _origin) * _microsecondsPerTick);

    private void Fail(Exception e)
    {
        Error ??= $"the trace could not be written to {Path}: {e.Message}";
        _closed = true;
        _spill?.Dispose();
        _stream?.Dispose();
        (_spill, _stream) = (null, null);
    }

    /// <summary>
    /// Formats every event into the file, with the track names, and closes it: a valid JSON document.
    /// Idempotent; called when the run is over (formatting takes about half a microsecond per event).
    /// </summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed || _stream is null) return;
            _closed = true;
            try
            {
                using var json = new Utf8JsonWriter(_stream);
                json.WriteStartObject();
                json.WriteString("displayTimeUnit", "ms");
                json.WriteStartObject("otherData");
                json.WriteString("generator", "DistNet");
                json.WriteString("clock", "microseconds since the run started (Stopwatch); across processes, worker phases are placed from measured durations");
                json.WriteEndObject();
                json.WriteStartArray("traceEvents");
                JsonEncodedText[] labels;
                lock (LabelTexts) labels = LabelTexts.ToArray();
                var details = _details.ToArray();
                var pending = _batch.AsSpan(0, _count).ToArray();
                if (_spill is not null)
                {
                    _spill.Position = 0;
                    for (long done = 0; done < _spilled; done += BatchSize)
                    {
                        int n = (int)Math.Min(BatchSize, _spilled - done);
                        _spill.ReadExactly(MemoryMarshal.AsBytes(_batch.AsSpan(0, n)));
                        for (int i = 0; i < n; i++) Write(json, _batch[i], labels, details);
                        json.Flush();
                    }
                }
                foreach (var e in pending) Write(json, e, labels, details);
                Metadata(json, "process_name", null, _processName);
                _tracks[ServerTrack] = true;
                for (int track = 0; track < _tracks.Length; track++)
                    if (_tracks[track]) Metadata(json, "thread_name", track, track == ServerTrack ? "server" : $"worker {track - 1}");
                json.WriteEndArray();
                json.WriteEndObject();
                json.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Fail(e);
            }
            finally
            {
                _count = 0;
                _spill?.Dispose();
                _stream?.Dispose();
                (_spill, _stream) = (null, null);
            }
        }
    }

    private static void Metadata(Utf8JsonWriter json, string name, int? track, string value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("ph", "M");
        json.WriteNumber("pid", Pid);
        if (track is { } t) json.WriteNumber("tid", t);
        json.WriteStartObject("args");
        json.WriteString("name", value);
        json.WriteEndObject();
        json.WriteEndObject();
        if (track is not { } sorted) return;
        json.WriteStartObject();
        json.WriteString("name", "thread_sort_index");
        json.WriteString("ph", "M");
        json.WriteNumber("pid", Pid);
        json.WriteNumber("tid", sorted);
        json.WriteStartObject("args");
        json.WriteNumber("sort_index", sorted);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public void Dispose() => Close();
}

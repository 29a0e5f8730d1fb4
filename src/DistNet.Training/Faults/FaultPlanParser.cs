using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DistNet.Training.Faults;

/// <summary>
/// Reads plan files (JSON) and <c>--fault</c> options into <see cref="FaultSpec"/>s, then checks
/// each spec into a <see cref="Fault"/> in one place, so both syntaxes accept and refuse the same
/// things with the same one-line messages.
/// </summary>
internal static class FaultPlanParser
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    // Fields every kind takes; the kind's own follow. Order = order in error messages.
    private static readonly string[] Timing = ["step", "epoch"];

    private static readonly Dictionary<FaultKind, string[]> KindFields = new()
    {
        [FaultKind.KillWorker] = ["worker", "restart-after"],
        [FaultKind.CrashServer] = [],
        [FaultKind.SlowWorker] = ["worker", "delay-ms", "distribution", "steps"],
        [FaultKind.Drop] = ["message", "probability", "worker", "steps"],
        [FaultKind.Duplicate] = ["message", "probability", "worker", "steps"],
        [FaultKind.Delay] = ["message", "probability", "delay-ms", "distribution", "worker", "steps"],
        [FaultKind.CorruptGradient] = ["worker", "value"],
        [FaultKind.Partition] = ["worker", "steps"],
    };

    // ---- JSON ----

    public static FaultPlan ParseJson(ReadOnlySpan<byte> utf8, string source)
    {
        if (utf8.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        var lines = new LineIndex(utf8);
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        long? seed = null;
        List<FaultSpec>? specs = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Plan(source, lines.At(reader), "a fault plan is a JSON object: {\"seed\": 7, \"faults\": [ … ]}");
            var seen = new HashSet<string>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                int line = lines.At(reader);
                if (!seen.Add(name)) throw Plan(source, line, $"\"{name}\" is given twice");
                reader.Read();
                switch (name)
                {
                    case "seed":
                        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long s))
                            throw Plan(source, line, $"seed must be a whole number, got {Raw(ref reader)}");
                        seed = s;
                        break;
                    case "faults":
                        if (reader.TokenType != JsonTokenType.StartArray)
                            throw Plan(source, line, "faults must be a list: \"faults\": [ {\"kind\": …}, … ]");
                        specs = ReadFaults(ref reader, source, lines);
                        break;
                    default:
                        throw Plan(source, line, $"unknown field \"{name}\"; a plan has \"seed\" (optional) and \"faults\"");
                }
            }
            if (reader.Read()) throw Plan(source, lines.At(reader), "text after the end of the plan");
        }
        catch (JsonException e)
        {
            // The reader's message ends in " LineNumber: n | BytePositionInLine: m." — said better here.
            string message = e.Message;
            int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            // Both are 0-based; editors count from 1.
            string where = e.LineNumber is long l ? $"{source}:{l + 1}:{e.BytePositionInLine + 1}" : source;
            throw new FaultPlanException($"{where}: not valid JSON: {message.TrimEnd('.')}");
        }
        if (specs is null) throw Plan(source, 1, "missing \"faults\": [ … ] (it may be empty)");
        return new FaultPlan(specs.Select(Build).ToArray(), seed);
    }

    private static List<FaultSpec> ReadFaults(ref Utf8JsonReader reader, string source, LineIndex lines)
    {
        var specs = new List<FaultSpec>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            int index = specs.Count;
            int start = lines.At(reader);
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new FaultSpec(source, index, start, []).Error($"a fault is an object {{\"kind\": …}}, got {Raw(ref reader)}");
            var fields = new List<FaultField>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                int line = lines.At(reader);
                reader.Read();
                var syntax = reader.TokenType switch
                {
                    JsonTokenType.Number => FieldSyntax.Number,
                    JsonTokenType.String => FieldSyntax.String,
                    _ => FieldSyntax.OtherJson,
                };
                fields.Add(new FaultField(name, Raw(ref reader), syntax, line));
            }
            specs.Add(new FaultSpec(source, index, start, fields));
        }
        return specs;
    }

    /// <summary>A string's text, a number's digits, or a short stand-in for anything else (skipped).</summary>
    private static string Raw(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String: return reader.GetString()!;
            case JsonTokenType.Number: return Encoding.UTF8.GetString(reader.ValueSpan);
            case JsonTokenType.True: return "true";
            case JsonTokenType.False: return "false";
            case JsonTokenType.Null: return "null";
            case JsonTokenType.StartObject: reader.Skip(); return "an object";
            case JsonTokenType.StartArray: reader.Skip(); return "a list";
            default: return reader.TokenType.ToString();
        }
    }

    private static FaultPlanException Plan(string source, int line, string problem) => new($"{source}:{line}: {problem}");

    /// <summary>Maps byte offsets to 1-based line numbers (System.Text.Json only reports lines in its exceptions).</summary>
    private sealed class LineIndex
    {
        private readonly List<long> _starts = [0];

        public LineIndex(ReadOnlySpan<byte> text)
        {
            for (int i = 0; i < text.Length; i++)
                if (text[i] == (byte)'\n') _starts.Add(i + 1);
        }

        public int At(in Utf8JsonReader reader)
        {
            int i = _starts.BinarySearch(reader.TokenStartIndex);
            return (i >= 0 ? i : ~i - 1) + 1;
        }
    }

    // ---- --fault KIND:FIELD=VALUE,… ----

    public static Fault ParseOption(string option, int index)
    {
        string source = $"--fault \"{option}\"";
        string text = option.Trim();
        if (text.Length == 0)
            throw new FaultPlanException($"{source}: faults[{index}]: empty; expected KIND:FIELD=VALUE,… e.g. kill-worker:worker=1,step=30");
        int colon = text.IndexOf(':');
        string kind = (colon < 0 ? text : text[..colon]).Trim();
        var fields = new List<FaultField> { new("kind", kind, FieldSyntax.Text, null) };
        var spec = new FaultSpec(source, index, null, fields);
        if (colon >= 0)
        {
            foreach (string pair in text[(colon + 1)..].Split(','))
            {
                int eq = pair.IndexOf('=');
                if (eq <= 0 || pair[..eq].Trim().Length == 0)
                    throw spec.Error($"expected FIELD=VALUE, got \"{pair.Trim()}\"");
                fields.Add(new FaultField(pair[..eq].Trim(), pair[(eq + 1)..].Trim(), FieldSyntax.Text, null));
            }
        }
        return Build(spec);
    }

    // ---- checking: spec → fault ----

    public static Fault Build(FaultSpec spec)
    {
        var byName = new Dictionary<string, FaultField>();
        foreach (var f in spec.Fields)
            if (!byName.TryAdd(f.Name, f)) throw spec.Error($"\"{f.Name}\" is given twice", f);

        if (!byName.TryGetValue("kind", out var kindField))
            throw spec.Error($"missing \"kind\" (one of {string.Join(", ", FaultNames.AllKinds)})");
        if (kindField.Syntax is not (FieldSyntax.String or FieldSyntax.Text) || !FaultNames.TryParseKind(kindField.Value, out var kind))
            throw new FaultSpec(spec.Source, spec.Index, spec.Line, []).Error(
                $"unknown kind \"{kindField.Value}\"; kinds: {string.Join(", ", FaultNames.AllKinds)}", kindField);

        string[] allowed = [.. Timing, .. KindFields[kind]];
        foreach (var f in spec.Fields)
            if (f.Name != "kind" && !allowed.Contains(f.Name))
                throw spec.Error($"unknown field \"{f.Name}\"; {FaultNames.Of(kind)} takes {string.Join(", ", allowed)}", f);

        var get = new Getter(spec, byName);
        var at = get.Time();
        return kind switch
        {
            FaultKind.KillWorker => new KillWorker(at, get.Worker(), get.OptionalInt("restart-after", 1)),
            FaultKind.CrashServer => new CrashServer(at),
            FaultKind.SlowWorker => new SlowWorker(at, get.Worker(), get.Delay(), get.Steps()),
            FaultKind.Drop => new DropMessages(at, get.Message(), get.Probability(), get.OptionalWorker(), get.Steps()),
            FaultKind.Duplicate => new DuplicateMessages(at, get.Message(), get.Probability(), get.OptionalWorker(), get.Steps()),
            FaultKind.Delay => new DelayMessages(at, get.Message(), get.Probability(), get.Delay(), get.OptionalWorker(), get.Steps()),
            FaultKind.CorruptGradient => new CorruptGradient(at, get.Worker(), get.Value()),
            FaultKind.Partition => new Partition(at, get.Worker(), get.Steps()),
            _ => throw new InvalidOperationException($"no builder for {kind}"),
        };
    }

    /// <summary>Reads and checks the fields of one spec; every failure is a one-line <see cref="FaultPlanException"/>.</summary>
    private sealed class Getter(FaultSpec spec, Dictionary<string, FaultField> fields)
    {
        public FaultTime Time()
        {
            fields.TryGetValue("step", out var step);
            fields.TryGetValue("epoch", out var epoch);
            if (step is not null && epoch is not null) throw spec.Error("give step or epoch, not both", epoch);
            if (step is not null) return FaultTime.Step(Int(step, 1, " (steps are 1-based)"));
            if (epoch is not null) return FaultTime.Epoch(Int(epoch, 1, " (epochs are 1-based)"));
            throw spec.Error("missing \"step\" (or \"epoch\"): when the fault fires");
        }

        public int Worker() => Int(Required("worker", "which worker (0-based)"), 0, " (worker ids are 0-based)");

        public int? OptionalWorker() => OptionalInt("worker", 0, " (worker ids are 0-based)");

        public int? Steps() => OptionalInt("steps", 1);

        public double Probability()
        {
            var f = Required("probability", "a number from 0 to 1");
            double p = Number(f, "a number from 0 to 1");
            if (p is < 0 or > 1) throw spec.Error($"probability must be a number from 0 to 1, got {f.Value}", f);
            return p;
        }

        public MessageKind Message()
        {
            var f = Required("message", "task, gradient or any");
            return Text(f, "task, gradient or any") switch
            {
                "task" => MessageKind.Task,
                "gradient" => MessageKind.Gradient,
                "any" => MessageKind.Any,
                _ => throw spec.Error($"message must be task, gradient or any, got \"{f.Value}\"", f),
            };
        }

        public CorruptValue Value()
        {
            var f = Required("value", "nan, inf or huge");
            return Text(f, "nan, inf or huge") switch
            {
                "nan" => CorruptValue.NaN,
                "inf" => CorruptValue.Infinity,
                "huge" => CorruptValue.Huge,
                _ => throw spec.Error($"value must be nan, inf or huge, got \"{f.Value}\"", f),
            };
        }

        public DelayDistribution Delay()
        {
            fields.TryGetValue("delay-ms", out var ms);
            fields.TryGetValue("distribution", out var dist);
            if (ms is not null && dist is not null) throw spec.Error("give delay-ms or distribution, not both", dist);
            if (ms is not null) return new DelayDistribution.Fixed(NonNegative(ms, "a number of milliseconds ≥ 0"));
            if (dist is null) throw spec.Error("missing \"delay-ms\" (or \"distribution\": uniform:MIN-MAX or exponential:MEAN)");
            const string expected = "fixed:MS, uniform:MIN-MAX or exponential:MEAN (milliseconds)";
            string text = Text(dist, expected);
            int colon = text.IndexOf(':');
            string name = colon < 0 ? text : text[..colon], args = colon < 0 ? "" : text[(colon + 1)..];
            DelayDistribution? d = name switch
            {
                "fixed" when Ms(args) is double x => new DelayDistribution.Fixed(x),
                "exponential" when Ms(args) is double x && x > 0 => new DelayDistribution.Exponential(x),
                "uniform" when args.Split('-') is [var lo, var hi] && Ms(lo) is double a && Ms(hi) is double b && a <= b
                    => new DelayDistribution.Uniform(a, b),
                _ => null,
            };
            return d ?? throw spec.Error($"distribution must be {expected}, with MIN ≤ MAX and MEAN > 0, got \"{dist.Value}\"", dist);

            static double? Ms(string s) =>
                double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x) && x >= 0 ? x : null;
        }

        public int? OptionalInt(string name, int min, string hint = "") =>
            fields.TryGetValue(name, out var f) ? Int(f, min, hint) : null;

        private FaultField Required(string name, string what) =>
            fields.TryGetValue(name, out var f) ? f : throw spec.Error($"missing \"{name}\" ({what})");

        private int Int(FaultField f, int min, string hint = "")
        {
            if (f.Syntax is (FieldSyntax.Number or FieldSyntax.Text)
                && int.TryParse(f.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) && n >= min)
                return n;
            throw spec.Error($"{f.Name} must be a whole number ≥ {min}{hint}, got {Shown(f)}", f);
        }

        private double Number(FaultField f, string what)
        {
            if (f.Syntax is (FieldSyntax.Number or FieldSyntax.Text)
                && double.TryParse(f.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x))
                return x;
            throw spec.Error($"{f.Name} must be {what}, got {Shown(f)}", f);
        }

        private double NonNegative(FaultField f, string what)
        {
            double x = Number(f, what);
            return x >= 0 ? x : throw spec.Error($"{f.Name} must be {what}, got {f.Value}", f);
        }

        private string Text(FaultField f, string what) =>
            f.Syntax is (FieldSyntax.String or FieldSyntax.Text) ? f.Value : throw spec.Error($"{f.Name} must be {what} (a string), got {f.Value}", f);

        private static string Shown(FaultField f) => f.Syntax == FieldSyntax.String ? $"\"{f.Value}\"" : f.Value;
    }
}

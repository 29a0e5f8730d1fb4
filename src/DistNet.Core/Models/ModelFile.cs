using System.Text.Json;
using DistNet.Core.Data;
using DistNet.Core.IO;
using DistNet.Core.Nn;

namespace DistNet.Core.Models;

/// <summary>
/// The JSON model format of docs/model-format.md. Written atomically; read with every
/// dimension checked, so a truncated or edited file is refused rather than half-loaded.
/// Floats are written in their shortest round-trip form, so save → load is exact.
/// </summary>
public static class ModelFile
{
    public const string Format = "distnet-mlp";
    public const int Version = 1;

    public static void Save(Model model, string path) => AtomicFile.Write(path, stream => Write(model, stream));

    public static void Write(Model model, Stream stream)
    {
        var network = model.Network;
        var architecture = network.Architecture;
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteString("format", Format);
        json.WriteNumber("version", Version);
        json.WriteNumber("inputSize", architecture.InputSize);
        json.WritePropertyName("inputTransform");
        if (model.InputTransform is null) json.WriteNullValue();
        else
        {
            json.WriteStartObject();
            WriteArray(json, "offset", model.InputTransform.Offset);
            WriteArray(json, "scale", model.InputTransform.Scale);
            json.WriteEndObject();
        }
        json.WriteStartArray("layers");
        for (int l = 0; l < architecture.Layers.Count; l++)
        {
            bool output = l == architecture.Layers.Count - 1;
            var weights = network.Weights(l);
            json.WriteStartObject();
            json.WriteNumber("units", weights.Rows);
            json.WriteString("activation", output ? Losses.OutputActivation(architecture.Loss) : Activations.Name(architecture.Layers[l].Activation));
            json.WriteStartArray("weights");
            var row = new float[weights.Columns];
            for (int r = 0; r < weights.Rows; r++)
            {
                for (int c = 0; c < weights.Columns; c++) row[c] = weights[r, c];
                WriteArray(json, null, row);
            }
            json.WriteEndArray();
            if (architecture.Bias) WriteArray(json, "bias", network.Bias(l));
            else json.WriteNull("bias");
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteString("loss", Losses.Name(architecture.Loss));
        json.WritePropertyName("classes");
        if (model.Classes is null) json.WriteNullValue();
        else
        {
            json.WriteStartArray();
            foreach (var c in model.Classes) json.WriteStringValue(c);
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.Flush();
        stream.WriteByte((byte)'\n');
    }

    private static void WriteArray(Utf8JsonWriter json, string? name, ReadOnlySpan<float> values)
    {
        if (name is null) json.WriteStartArray(); else json.WriteStartArray(name);
        foreach (var v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }

    public static Model Load(string path)
    {
        if (!File.Exists(path)) throw new ModelFileException($"{path}: model file not found");
        try
        {
            using var stream = File.OpenRead(path);
            return Read(stream, path);
        }
        catch (JsonException e)
        {
            throw new ModelFileException($"{path}: not valid JSON (truncated or damaged?) at line {e.LineNumber + 1}, byte {e.BytePositionInLine}");
        }
    }

    public static Model Read(Stream stream, string source)
    {
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        Fail(root.ValueKind != JsonValueKind.Object, "the top level is not a JSON object");
        Fail(Str(root, "format") != Format, $"format is not \"{Format}\"");
        int version = Int(root, "version");
        Fail(version != Version, $"format version {version} is not supported (this DistNet reads version {Version})");
        int inputSize = Int(root, "inputSize");
        Fail(inputSize <= 0, "inputSize must be positive");
        Fail(!Losses.TryParse(Str(root, "loss"), out var loss), $"unknown loss \"{Str(root, "loss")}\" (expected {string.Join(", ", Losses.Names)})");

        InputTransform? transform = null;
        if (root.TryGetProperty("inputTransform", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            var offset = Floats(t, "offset", "inputTransform");
            var scale = Floats(t, "scale", "inputTransform");
            Fail(offset.Length != inputSize || scale.Length != inputSize, $"inputTransform needs {inputSize} offsets and scales");
            transform = new InputTransform(offset, scale);
        }

        Fail(!root.TryGetProperty("layers", out var layersJson) || layersJson.ValueKind != JsonValueKind.Array || layersJson.GetArrayLength() == 0,
            "layers must be a non-empty array");
        var layers = new List<LayerSpec>();
        var weights = new List<float[,]>();
        var biases = new List<float[]?>();
        int fanIn = inputSize, index = 0, count = layersJson.GetArrayLength();
        foreach (var layer in layersJson.EnumerateArray())
        {
            string where = $"layer {index + 1}";
            int units = Int(layer, "units", where);
            Fail(units <= 0, $"{where}: units must be positive");
            string activationName = Str(layer, "activation", where);
            Activation activation;
            if (index == count - 1)
            {
                Fail(activationName != Losses.OutputActivation(loss),
                    $"{where}: output activation \"{activationName}\" does not match loss {Losses.Name(loss)} (expected \"{Losses.OutputActivation(loss)}\")");
                activation = Activation.Identity;
            }
            else Fail(!Activations.TryParse(activationName, out activation), $"{where}: unknown activation \"{activationName}\"");

            Fail(!layer.TryGetProperty("weights", out var rows) || rows.ValueKind != JsonValueKind.Array, $"{where}: weights missing");
            Fail(rows.GetArrayLength() != units, $"{where}: weights has {rows.GetArrayLength()} rows, expected {units} (one per unit)");
            var w = new float[units, fanIn];
            int r = 0;
            foreach (var row in rows.EnumerateArray())
            {
                Fail(row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != fanIn,
                    $"{where}: weights row {r + 1} must hold {fanIn} numbers (one per input)");
                int c = 0;
                foreach (var v in row.EnumerateArray()) w[r, c++] = Number(v, where);
                r++;
            }
            float[]? bias = null;
            if (layer.TryGetProperty("bias", out var b) && b.ValueKind != JsonValueKind.Null)
            {
                bias = Floats(layer, "bias", where);
                Fail(bias.Length != units, $"{where}: bias has {bias.Length} numbers, expected {units}");
            }
            layers.Add(new LayerSpec(units, activation));
            weights.Add(w);
            biases.Add(bias);
            fanIn = units;
            index++;
        }
        bool hasBias = biases[0] is not null;
        Fail(biases.Any(b => (b is not null) != hasBias), "either every layer has a bias or none has");

        string[]? classes = null;
        if (root.TryGetProperty("classes", out var classesJson) && classesJson.ValueKind != JsonValueKind.Null)
        {
            Fail(classesJson.ValueKind != JsonValueKind.Array, "classes must be an array or null");
            classes = classesJson.EnumerateArray().Select(c => c.ValueKind == JsonValueKind.String ? c.GetString()! : c.GetRawText()).ToArray();
            Fail(Losses.OutputUnits(loss, classes.Length) != layers[^1].Units,
                $"{classes.Length} classes do not fit {layers[^1].Units} output units under loss {Losses.Name(loss)}");
        }
        else Fail(Losses.NeedsLabels(loss), $"loss {Losses.Name(loss)} needs a classes list");

        var network = Mlp.Zeros(new Architecture(inputSize, layers, hasBias, loss));
        for (int l = 0; l < layers.Count; l++)
        {
            var view = network.Weights(l);
            for (int row = 0; row < view.Rows; row++)
                for (int c = 0; c < view.Columns; c++) view[row, c] = weights[l][row, c];
            biases[l]?.CopyTo(network.Bias(l));
        }
        return new Model(network, transform, classes);

        void Fail(bool condition, string message)
        {
            if (condition) throw new ModelFileException($"{source}: {message}");
        }

        string Str(JsonElement e, string name, string where = "model") =>
            e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : Throw<string>($"{where}: \"{name}\" must be a string");

        int Int(JsonElement e, string name, string where = "model") =>
            e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var i) ? i : Throw<int>($"{where}: \"{name}\" must be an integer");

        float Number(JsonElement v, string where) =>
            v.ValueKind == JsonValueKind.Number && v.TryGetSingle(out var f) && float.IsFinite(f) ? f : Throw<float>($"{where}: {v.GetRawText()} is not a finite number");

        float[] Floats(JsonElement e, string name, string where) =>
            e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Array
                ? p.EnumerateArray().Select(v => Number(v, where)).ToArray()
                : Throw<float[]>($"{where}: \"{name}\" must be an array of numbers");

        T Throw<T>(string message) => throw new ModelFileException($"{source}: {message}");
    }
}

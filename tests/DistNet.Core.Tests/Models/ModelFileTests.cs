using System.Text.Json.Nodes;
using DistNet.Core.Data;
using DistNet.Core.Models;
using DistNet.Core.Nn;

namespace DistNet.Core.Tests.Models;

public class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("distnet-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Model Sample(bool bias = true) => new(
        Mlp.Initialize(Architecture.Create(3, [4], Activation.Tanh, 1, Loss.Bce, bias), 5),
        new InputTransform([1, 2, 3], [0.5f, 0.25f, 1]), ["cat", "dog"]);

    [Fact]
    public void Save_and_load_round_trip_exactly()
    {
        var model = Sample();
        model.Network.Bias(0)[1] = 1.0000001f; // needs every digit to survive
        var path = Path.Combine(_dir, "m.json");
        ModelFile.Save(model, path);
        var loaded = ModelFile.Load(path);
        Assert.Equal(model.Network.Parameters, loaded.Network.Parameters);
        Assert.Equal(model.Network.Architecture.ToString(), loaded.Network.Architecture.ToString());
        Assert.Equal(model.InputTransform!.Offset, loaded.InputTransform!.Offset);
        Assert.Equal(model.Classes, loaded.Classes);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp")); // the temporary file was renamed away
    }

    [Fact]
    public void The_file_follows_the_documented_layout()
    {
        var model = Sample();
        var path = Path.Combine(_dir, "m.json");
        ModelFile.Save(model, path);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("distnet-mlp", (string)json["format"]!);
        Assert.Equal(1, (int)json["version"]!);
        Assert.Equal(3, (int)json["inputSize"]!);
        Assert.Equal("bce", (string)json["loss"]!);
        var hidden = json["layers"]![0]!;
        Assert.Equal("tanh", (string)hidden["activation"]!);
        Assert.Equal(4, hidden["weights"]!.AsArray().Count);              // one row per unit
        Assert.Equal(model.Network.Weights(0)[2, 1], (float)hidden["weights"]![2]![1]!); // weights[r][c]: input c → unit r
        Assert.Equal("sigmoid", (string)json["layers"]![1]!["activation"]!);
    }

    [Theory]
    [InlineData(2)]     // the closing brace and the newline
    [InlineData(100)]
    [InlineData(1000)]
    public void A_truncated_file_is_refused_with_its_name(int cut)
    {
        var path = Path.Combine(_dir, "m.json");
        ModelFile.Save(Sample(), path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - Math.Min(cut, bytes.Length - 1))]);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("format", "\"other\"", "format")]
    [InlineData("version", "2", "version 2")]
    [InlineData("inputSize", "4", "inputTransform needs 4")]
    [InlineData("loss", "\"softmax-ce\"", "output activation")]
    [InlineData("classes", "[\"a\",\"b\",\"c\"]", "3 classes")]
    public void An_inconsistent_file_is_refused_with_the_reason(string field, string value, string expected)
    {
        var path = Path.Combine(_dir, "m.json");
        ModelFile.Save(Sample(), path);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json[field] = JsonNode.Parse(value);
        File.WriteAllText(path, json.ToJsonString());
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(Path.Combine(_dir, "nope.json")));
        Assert.Contains("nope.json", e.Message);
    }

    [Fact]
    public void A_model_without_bias_writes_null_biases_and_reads_back()
    {
        var path = Path.Combine(_dir, "m.json");
        ModelFile.Save(Sample(bias: false), path);
        var loaded = ModelFile.Load(path);
        Assert.False(loaded.Network.Architecture.Bias);
        Assert.Contains("\"bias\":null", File.ReadAllText(path));
    }
}

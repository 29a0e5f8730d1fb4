using System.IO.Compression;

namespace DistNet.Cli.Tests;

/// <summary>Every user mistake: one line naming the problem, exit code 2, no stack trace.</summary>
public class BadInputTests
{
    private static void AssertBadInput(CliResult run, params string[] expected)
    {
        Assert.Equal(ExitCodes.BadInput, run.ExitCode);
        var first = run.ErrorLines.FirstOrDefault() ?? "";
        foreach (var text in expected) Assert.Contains(text, first);
        Assert.DoesNotContain("   at ", run.Error);           // no stack trace
        Assert.True(run.ErrorLines.Length <= 2, run.Error);    // the message, perhaps a --help hint
    }

    [Fact]
    public void Unknown_option()
    {
        var run = CliRunner.Run("train", "--epochz", "3");
        AssertBadInput(run, "--epochz");
        Assert.Contains("distnet train --help", run.Error);
    }

    [Fact]
    public void Unknown_command() => AssertBadInput(CliRunner.Run("trian"), "trian");

    [Fact]
    public void Malformed_option_value() => AssertBadInput(CliRunner.Run("train", "--epochs", "many"), "many");

    [Theory]
    [InlineData("--activation", "swish", "--activation: unknown 'swish'")]
    [InlineData("--loss", "l3", "--loss: unknown 'l3'")]
    [InlineData("--optimizer", "lbfgs", "--optimizer: unknown 'lbfgs'")]
    [InlineData("--hidden", "8,x", "--hidden: 'x'")]
    [InlineData("--batch", "0", "--batch")]
    [InlineData("--lr", "-1", "--lr")]
    [InlineData("--data", "mnist", "unknown data set 'mnist'")]
    [InlineData("--validation", "0.9", "0.9")]
    [InlineData("--task-timeout", "0", "--task-timeout must be positive")]
    [InlineData("--task-timeout", "1e15", "--task-timeout must be positive and at most 1e9 seconds")]
    public void Bad_option_values(string option, string value, string expected) =>
        AssertBadInput(CliRunner.Run("train", option, value, "--epochs", "1"), expected);

    [Fact]
    public void A_refused_value_is_said_without_the_runtimes_parameter_suffix()
    {
        var run = CliRunner.Run("train", "--validation", "-0.1", "--epochs", "1");
        AssertBadInput(run, "the validation fraction must be in [0, 1), got -0.1");
        Assert.DoesNotContain("(Parameter", run.Error);
    }

    [Fact]
    public void Missing_csv_file() => AssertBadInput(CliRunner.Run("train", "--data", "csv:/no/such/file.csv"), "/no/such/file.csv");

    [Fact]
    public void Missing_idx_directory() => AssertBadInput(CliRunner.Run("train", "--data", "idx:/no/such/dir"), "/no/such/dir");

    [Fact]
    public void Ragged_csv_row()
    {
        using var dir = new TempDir();
        var path = dir.Write("r.csv", "a,b,label\n1,2,0\n3,1\n");
        AssertBadInput(CliRunner.Run("train", "--data", "csv:" + path), "r.csv", "line 3");
    }

    [Fact]
    public void Non_numeric_feature()
    {
        using var dir = new TempDir();
        var path = dir.Write("n.csv", "a,b,label\n1,2,0\n3,abc,1\n");
        AssertBadInput(CliRunner.Run("train", "--data", "csv:" + path), "n.csv", "line 3", "abc");
    }

    [Fact]
    public void NaN_in_data()
    {
        using var dir = new TempDir();
        var path = dir.Write("nan.csv", "a,b,label\n1,2,0\nNaN,1,1\n");
        AssertBadInput(CliRunner.Run("train", "--data", "csv:" + path), "nan.csv", "line 3");
    }

    [Fact]
    public void Wrong_idx_magic_number()
    {
        using var dir = new TempDir();
        byte[] header = [0, 0, 8, 4, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0];
        File.WriteAllBytes(dir.File("train-images-idx3-ubyte"), header);
        File.WriteAllBytes(dir.File("train-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1, 0]);
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte"), header);
        File.WriteAllBytes(dir.File("t10k-labels-idx1-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1, 0]);
        AssertBadInput(CliRunner.Run("train", "--data", "idx:" + dir.Path), "train-images-idx3-ubyte", "magic");
    }

    [Fact]
    public void Truncated_gzipped_idx_file()
    {
        using var dir = new TempDir();
        void Write(string name, byte[] bytes)
        {
            using var file = File.Create(dir.File(name + ".gz"));
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        // Two 2×2 images announced, one and a half present.
        Write("train-images-idx3-ubyte", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6]);
        Write("train-labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 2, 0, 1]);
        Write("t10k-images-idx3-ubyte", [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4]);
        Write("t10k-labels-idx1-ubyte", [0, 0, 8, 1, 0, 0, 0, 1, 0]);
        AssertBadInput(CliRunner.Run("train", "--data", "idx:" + dir.Path), "train-images-idx3-ubyte");
    }

    [Fact]
    public void Label_out_of_the_models_range()
    {
        using var dir = new TempDir();
        var model = dir.File("m.json");
        var train = dir.Write("train.csv", "a,b,label\n0,0,0\n1,1,1\n0,1,0\n1,0,1\n");
        Assert.Equal(0, CliRunner.Run("train", "--data", "csv:" + train, "--validation", "0", "--test", "0", "--epochs", "1", "--model-out", model).ExitCode);
        var other = dir.Write("other.csv", "a,b,label\n0,0,0\n1,1,5\n0,1,7\n");
        AssertBadInput(CliRunner.Run("eval", "--model", model, "--data", "csv:" + other, "--split", "all"), "other.csv", "classes");
    }

    [Fact]
    public void Missing_and_truncated_model_files()
    {
        using var dir = new TempDir();
        AssertBadInput(CliRunner.Run("eval", "--model", dir.File("none.json")), "none.json", "not found");
        var model = dir.File("m.json");
        Assert.Equal(0, CliRunner.Run("train", "--epochs", "1", "--hidden", "4", "--model-out", model).ExitCode);
        var bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]);
        AssertBadInput(CliRunner.Run("eval", "--model", model), "m.json", "truncated");
    }

    [Fact]
    public void Model_and_data_of_different_shapes()
    {
        using var dir = new TempDir();
        var model = dir.File("m.json");
        Assert.Equal(0, CliRunner.Run("train", "--epochs", "1", "--hidden", "4", "--model-out", model).ExitCode);
        AssertBadInput(CliRunner.Run("eval", "--model", model, "--data", "circles"), "2 features", "64");
    }

    [Fact]
    public void Predict_input_of_the_wrong_width()
    {
        using var dir = new TempDir();
        var model = dir.File("m.json");
        Assert.Equal(0, CliRunner.Run("train", "--data", "xor", "--epochs", "1", "--hidden", "4", "--model-out", model).ExitCode);
        var input = dir.Write("in.csv", "x,y,z\n1,2,3\n");
        AssertBadInput(CliRunner.Run("predict", "--model", model, "--input", input), "in.csv", "3 feature columns", "takes 2");
    }
}

using DistNet.Core.Data;

namespace DistNet.Core.Tests.Data;

public class IdxDataTests
{
    // Three 2×3 training images and two test images; labels use classes 0..2.
    private static readonly byte[][] TrainImages = [[0, 1, 2, 3, 4, 255], [10, 20, 30, 40, 50, 60], [255, 254, 128, 127, 0, 7]];
    private static readonly byte[] TrainLabels = [2, 0, 1];
    private static readonly byte[][] TestImages = [[9, 8, 7, 6, 5, 4], [100, 101, 102, 103, 104, 105]];
    private static readonly byte[] TestLabels = [1, 2];

    [Fact]
    public void ReadsPlainFilesExactly()
    {
        using var dir = new TempDirectory();
        WriteAll(dir, gzip: false);
        AssertReadBackExactly(IdxData.Load(dir.Path), dir);
    }

    [Fact]
    public void ReadsGzippedFilesExactly()
    {
        using var dir = new TempDirectory();
        WriteAll(dir, gzip: true);
        AssertReadBackExactly(IdxData.Load(dir.Path), dir);
    }

    [Fact]
    public void DetectsGzipByContentNotByName()
    {
        using var dir = new TempDirectory();
        // Gzipped data under the plain name, and plain data under a .gz name.
        File.WriteAllBytes(dir.File(IdxData.TrainImages), IdxWriter.Gzip(IdxWriter.Images(2, 3, TrainImages)));
        File.WriteAllBytes(dir.File(IdxData.TrainLabels + ".gz"), IdxWriter.Labels(TrainLabels));
        File.WriteAllBytes(dir.File(IdxData.TestImages), IdxWriter.Images(2, 3, TestImages));
        File.WriteAllBytes(dir.File(IdxData.TestLabels + ".gz"), IdxWriter.Gzip(IdxWriter.Labels(TestLabels)));
        AssertReadBackExactly(IdxData.Load(dir.Path), dir);
    }

    [Fact]
    public void WrongMagicNamesFileOffsetAndBothMagics()
    {
        using var dir = new TempDirectory();
        WriteAll(dir, gzip: false);
        // A labels file where the images should be: the commonest mix-up.
        File.WriteAllBytes(dir.File(IdxData.TestImages), IdxWriter.Labels(1, 2));
        var e = Assert.Throws<DataException>(() => IdxData.Load(dir.Path));
        Assert.Contains(IdxData.TestImages, e.Message);
        Assert.Contains("byte offset 0", e.Message);
        Assert.Contains("expected IDX magic 0x00000803", e.Message);
        Assert.Contains("found 0x00000801", e.Message);
    }

    [Fact]
    public void TruncatedValuesNameFileAndEndOffset()
    {
        using var dir = new TempDirectory();
        WriteAll(dir, gzip: false);
        byte[] full = IdxWriter.Images(2, 3, TrainImages);
        File.WriteAllBytes(dir.File(IdxData.TrainImages), full[..^5]);
        var e = Assert.Throws<DataException>(() => IdxData.Load(dir.Path));
        Assert.Contains(IdxData.TrainImages, e.Message);
        Assert.Contains($"byte offset {full.Length - 5}", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains($"need {full.Length} bytes", e.Message);
    }

    [Fact]
    public void TruncatedGzippedHeaderIsReportedAfterDecompression()
    {
        using var dir = new TempDirectory();
        WriteAll(dir, gzip: true);
        File.WriteAllBytes(dir.File(IdxData.TrainLabels + ".gz"), IdxWriter.Gzip(IdxWriter.Labels(TrainLabels)[..6]));
        var e = Assert.Throws<DataException>(() => IdxData.Load(dir.Path));
        Assert.Contains(IdxData.TrainLabels + ".gz", e.Message);
        Assert.Contains("byte offset 6 (after decompression)", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void ExtraBytesAfterTheDeclaredValuesAreRejected()
    {
        using var dir = new TempDirectory();
        WriteAll(dir, gzip: false);
        File.WriteAllBytes(dir.File(IdxData.TestLabels), [.. IdxWriter.Labels(TestLabels), 0]);
        var e = Assert.Throws<DataException>(() => IdxData.Load(dir.Path));
        Assert.Contains(IdxData.TestLabels, e.Message);
        Assert.Contains("byte offset 10", e.Message);
    }

    [Fact]
    public void ImageAndLabelCountMismatchNamesBothFiles()
    {
        using var dir = new TempDirectory();
        WriteAll(dir, gzip: false);
        File.WriteAllBytes(dir.File(IdxData.TrainLabels), IdxWriter.Labels(2, 0));
        var e = Assert.Throws<DataException>(() => IdxData.Load(dir.Path));
        Assert.Contains(IdxData.TrainLabels + ", byte offset 4", e.Message);
        Assert.Contains(IdxData.TrainImages, e.Message);
        Assert.Contains("expected 3 labels", e.Message);
        Assert.Contains("found 2", e.Message);
    }

    [Fact]
    public void TestLabelBeyondTheTrainingClassesIsOutOfRange()
    {
        using var dir = new TempDirectory();
        WriteAll(dir, gzip: false);
        // 3 is just past the training classes 0..2; second label: after the 8-byte header, at offset 9.
        File.WriteAllBytes(dir.File(IdxData.TestLabels), IdxWriter.Labels(2, 3));
        var e = Assert.Throws<DataException>(() => IdxData.Load(dir.Path));
        Assert.Contains(IdxData.TestLabels + ", byte offset 9", e.Message);
        Assert.Contains("label 3 is out of range, expected 0..2", e.Message);
    }

    [Fact]
    public void TestImagesOfAnotherSizeAreRejected()
    {
        using var dir = new TempDirectory();
        WriteAll(dir, gzip: false);
        File.WriteAllBytes(dir.File(IdxData.TestImages), IdxWriter.Images(3, 2, TestImages));
        var e = Assert.Throws<DataException>(() => IdxData.Load(dir.Path));
        Assert.Contains(IdxData.TestImages + ", byte offset 8", e.Message);
        Assert.Contains("expected 2×3 images", e.Message);
    }

    [Fact]
    public void MissingDirectoryAndFileAreNamed()
    {
        using var dir = new TempDirectory();
        string missing = dir.File("nowhere");
        var e = Assert.Throws<DataException>(() => IdxData.Load(missing));
        Assert.Contains(missing, e.Message);
        Assert.Contains("directory not found", e.Message);

        WriteAll(dir, gzip: true);
        File.Delete(dir.File(IdxData.TestLabels + ".gz"));
        e = Assert.Throws<DataException>(() => IdxData.Load(dir.Path));
        Assert.Contains(IdxData.TestLabels, e.Message);
        Assert.Contains("file not found", e.Message);
    }

    private static void WriteAll(TempDirectory dir, bool gzip)
    {
        void Write(string name, byte[] bytes) =>
            File.WriteAllBytes(dir.File(gzip ? name + ".gz" : name), gzip ? IdxWriter.Gzip(bytes) : bytes);
        Write(IdxData.TrainImages, IdxWriter.Images(2, 3, TrainImages));
        Write(IdxData.TrainLabels, IdxWriter.Labels(TrainLabels));
        Write(IdxData.TestImages, IdxWriter.Images(2, 3, TestImages));
        Write(IdxData.TestLabels, IdxWriter.Labels(TestLabels));
    }

    private static void AssertReadBackExactly((Dataset Train, Dataset Test) data, TempDirectory dir)
    {
        var (train, test) = data;
        Assert.Equal(Path.GetFileName(dir.Path), train.Name);
        Assert.Equal(6, train.FeatureCount);
        Assert.Equal(TrainImages.SelectMany(i => i).Select(b => b / 255f), train.Features);
        Assert.Equal(TrainLabels.Select(b => (int)b), train.Labels!);
        Assert.Equal(TestImages.SelectMany(i => i).Select(b => b / 255f), test.Features);
        Assert.Equal(TestLabels.Select(b => (int)b), test.Labels!);
        Assert.Equal(["0", "1", "2"], train.Classes!);
        Assert.Equal(["0", "1", "2"], test.Classes!);
        Assert.Equal(1f, train.Features[5]);
    }
}

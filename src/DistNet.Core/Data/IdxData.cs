using System.Numerics.Tensors;

namespace DistNet.Core.Data;

/// <summary>
/// A directory in the MNIST layout (MNIST, Fashion-MNIST, KMNIST, EMNIST): four IDX files,
/// each plain or gzipped. IDX sets keep their own test set, so train and test come back apart.
/// </summary>
public static class IdxData
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>
    /// Classes are "0".."max train label"; a test label beyond them is an error, since the model
    /// would have no output for it.
    /// </summary>
    public static (Dataset Train, Dataset Test) Load(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DataException(
                $"{directory}: directory not found, expected a directory holding {TrainImages}, {TrainLabels}, {TestImages} and {TestLabels} (each optionally .gz)");
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));

        // Every file is looked for before any is read, so a missing one is reported at once, not after seconds of decompressing.
        string trainImagesPath = Find(directory, TrainImages), trainLabelsPath = Find(directory, TrainLabels);
        string testImagesPath = Find(directory, TestImages), testLabelsPath = Find(directory, TestLabels);
        var trainImages = IdxFile.Read(trainImagesPath, IdxFile.ImagesMagic);
        var trainLabels = IdxFile.Read(trainLabelsPath, IdxFile.LabelsMagic);
        var testImages = IdxFile.Read(testImagesPath, IdxFile.ImagesMagic);
        var testLabels = IdxFile.Read(testLabelsPath, IdxFile.LabelsMagic);

        var shape = ImageShape(trainImages);
        var testShape = ImageShape(testImages);
        if (testShape != shape)
            throw new DataException(
                $"{testImages.At(8)}: expected {shape.Rows}×{shape.Columns} images like {trainImages.Path}, found {testShape.Rows}×{testShape.Columns}");
        RequireOneLabelPerImage(trainImages, trainLabels);
        RequireOneLabelPerImage(testImages, testLabels);

        int classCount = MaxLabel(trainLabels) + 1;
        var classes = Enumerable.Range(0, classCount).Select(c => c.ToString()).ToArray();
        RequireLabelsBelow(testLabels, classCount, trainLabels.Path);
        return (ToDataset(name, trainImages, trainLabels, classes), ToDataset(name, testImages, testLabels, classes));
    }

    /// <summary>The plain file if present, else the .gz one; the content, not the name, decides how it is read.</summary>
    private static string Find(string directory, string fileName)
    {
        string plain = Path.Combine(directory, fileName);
        if (File.Exists(plain)) return plain;
        if (File.Exists(plain + ".gz")) return plain + ".gz";
        throw new DataException($"{plain}: file not found, expected {fileName} or {fileName}.gz in {directory}");
    }

    private static (int Rows, int Columns) ImageShape(IdxFile images)
    {
        int rows = images.Dimensions[1], columns = images.Dimensions[2];
        if (rows == 0 || columns == 0)
            throw new DataException($"{images.At(8)}: expected images of at least 1×1 pixels, found {rows}×{columns}");
        return (rows, columns);
    }

    private static void RequireOneLabelPerImage(IdxFile images, IdxFile labels)
    {
        if (labels.Dimensions[0] != images.Dimensions[0])
            throw new DataException(
                $"{labels.At(4)}: expected {images.Dimensions[0]} labels, one per image in {images.Path}, found {labels.Dimensions[0]}");
    }

    private static int MaxLabel(IdxFile labels)
    {
        int max = -1;
        foreach (byte label in labels.Bytes.AsSpan(labels.DataOffset)) max = Math.Max(max, label);
        return max;
    }

    private static void RequireLabelsBelow(IdxFile labels, int classCount, string classSource)
    {
        var values = labels.Bytes.AsSpan(labels.DataOffset);
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] >= classCount)
                throw new DataException(
                    $"{labels.At(labels.DataOffset + i)}: label {values[i]} is out of range, expected 0..{classCount - 1} (the classes found in {classSource})");
        }
    }

    private static Dataset ToDataset(string name, IdxFile images, IdxFile labels, string[] classes)
    {
        int pixelCount = images.Dimensions[1] * images.Dimensions[2];
        var pixels = images.Bytes.AsSpan(images.DataOffset);
        var features = new float[pixels.Length];
        // Library code is compiled optimised even when DistNet is a Debug build; b → float → / 255f is exact.
        TensorPrimitives.ConvertTruncating<byte, float>(pixels, features);
        TensorPrimitives.Divide(features, 255f, features);

        var labelBytes = labels.Bytes.AsSpan(labels.DataOffset);
        var labelValues = new int[labelBytes.Length];
        for (int i = 0; i < labelValues.Length; i++) labelValues[i] = labelBytes[i];

        var data = new Dataset(name, pixelCount, features, labelValues, classes);
        DataValidation.RequireFinite(data, (s, j) => images.At(images.DataOffset + (long)s * pixelCount + j));
        return data;
    }
}

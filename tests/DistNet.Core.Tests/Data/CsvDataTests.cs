using DistNet.Core.Data;

namespace DistNet.Core.Tests.Data;

public class CsvDataTests
{
    [Fact]
    public void TextLabelsBecomeSortedClassNames()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("iris.csv", "sepal,petal,species\n1.5,2,virginica\n3,4.25,setosa\n-5,6e-1,virginica\n");
        var data = CsvData.Load(path);
        Assert.Equal("iris.csv", data.Name);
        Assert.Equal(2, data.FeatureCount);
        Assert.Equal([1.5f, 2f, 3f, 4.25f, -5f, 0.6f], data.Features);
        Assert.Equal(["setosa", "virginica"], data.Classes!);
        Assert.Equal([1, 0, 1], data.Labels!);
    }

    [Fact]
    public void IntegerLabelsAreClassesInNumericOrder()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("stars.csv", "x,stars\n0.1,10\n0.2,2\n0.3,1\n0.4,2.0\n");
        var data = CsvData.Load(path);
        Assert.True(data.IsClassification);
        // Numeric, not ordinal, order ("10" after "2"); "2.0" is the same class as "2".
        Assert.Equal(["1", "2", "10"], data.Classes!);
        Assert.Equal([2, 1, 0, 1], data.Labels!);
    }

    [Fact]
    public void NumbersAmongNamesSortBeforeTheNames()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("mixed.csv", "x,y\n1,cat\n2,10\n3,9\n4,Cat\n");
        var data = CsvData.Load(path);
        Assert.Equal(["9", "10", "Cat", "cat"], data.Classes!);
        Assert.Equal([3, 1, 0, 2], data.Labels!);
    }

    [Fact]
    public void FractionalLabelsMakeRegression()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("price.csv", "size,rooms,price\n50,2,100.5\n80,3,200\n120,4,-3.25\n");
        var data = CsvData.Load(path);
        Assert.False(data.IsClassification);
        Assert.Null(data.Classes!);
        Assert.Equal(1, data.TargetCount);
        Assert.Equal([100.5f, 200f, -3.25f], data.Targets!);
        Assert.Equal([50f, 2f, 80f, 3f, 120f, 4f], data.Features);
    }

    [Fact]
    public void LabelColumnByNameOrIndexLeavesTheOthersAsFeatures()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("first.csv", "label,a,b\nx,1,2\ny,3,4\n");
        foreach (var column in new[] { "label", "0" })
        {
            var data = CsvData.Load(path, column);
            Assert.Equal(["x", "y"], data.Classes!);
            Assert.Equal([0, 1], data.Labels!);
            Assert.Equal([1f, 2f, 3f, 4f], data.Features);
        }

        string numbers = dir.Write("middle.csv", "a,b,c\n1,5,2\n3,6,4\n");
        var middle = CsvData.Load(numbers, "1");
        Assert.Equal(["5", "6"], middle.Classes!);
        Assert.Equal([1f, 2f, 3f, 4f], middle.Features);
    }

    [Fact]
    public void UnknownLabelColumnListsTheChoices()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("d.csv", "a,b\n1,2\n");
        var e = Assert.Throws<DataException>(() => CsvData.Load(path, "zzz"));
        Assert.Equal($"{path}, line 1: unknown label column 'zzz', expected a column name (a, b) or an index 0..1", e.Message);
        Assert.Throws<DataException>(() => CsvData.Load(path, "2"));
    }

    [Fact]
    public void RaggedRowNamesFileLineAndCounts()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("ragged.csv", "a,b,y\n1,2,0\n3,1\n");
        var e = Assert.Throws<DataException>(() => CsvData.Load(path));
        Assert.Equal($"{path}, line 3: expected 3 fields as in the header, found 2", e.Message);
        Assert.Contains("ragged.csv", e.Message);
    }

    [Fact]
    public void NonNumericFeatureQuotesValueAndColumn()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("text.csv", "x1,x2,y\n1,2,0\n3,abc,1\n");
        var e = Assert.Throws<DataException>(() => CsvData.Load(path));
        Assert.Equal($"{path}, line 3, column 'x2': expected a number, found 'abc'", e.Message);
    }

    [Theory]
    [InlineData("NaN", "NaN")]
    [InlineData("Infinity", "infinite")]
    [InlineData("1e39", "infinite")] // finite as a double, too large for float
    public void NonFiniteFeatureIsRejectedWithLine(string value, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.Write("nan.csv", $"x1,x2,y\n1,2,0\n3,4,1\n5,{value},0\n");
        var e = Assert.Throws<DataException>(() => CsvData.Load(path));
        Assert.StartsWith($"{path}, line 4, column 'x2': feature is {expected}", e.Message);
    }

    [Fact]
    public void NonFiniteTargetIsRejectedWithLine()
    {
        using var dir = new TempDirectory();
        string nan = dir.Write("t.csv", "x,y\n1,0.5\n2,NaN\n");
        var e = Assert.Throws<DataException>(() => CsvData.Load(nan));
        Assert.StartsWith($"{nan}, line 3, column 'y': label is 'NaN'", e.Message);

        string huge = dir.Write("u.csv", "x,y\n1,0.5\n2,1e39\n");
        e = Assert.Throws<DataException>(() => CsvData.Load(huge));
        Assert.StartsWith($"{huge}, line 3, column 'y': target is infinite", e.Message);
    }

    [Fact]
    public void EmptyFileAndHeaderOnlyAreErrors()
    {
        using var dir = new TempDirectory();
        string empty = dir.Write("empty.csv", "");
        var e = Assert.Throws<DataException>(() => CsvData.Load(empty));
        Assert.Equal($"{empty}: file is empty, expected a header row and data rows", e.Message);

        string headerOnly = dir.Write("header.csv", "a,b\n\n");
        e = Assert.Throws<DataException>(() => CsvData.Load(headerOnly));
        Assert.Contains("header.csv", e.Message);
        Assert.Contains("no data rows", e.Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<DataException>(() => CsvData.Load(dir.File("absent.csv")));
        Assert.Contains("absent.csv: file not found", e.Message);
    }

    [Fact]
    public void CrlfAndTrailingBlankLinesAreAccepted()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("crlf.csv", "a,y\r\n1.5,0\r\n2.5,1\r\n\r\n\r\n");
        var data = CsvData.Load(path);
        Assert.Equal(2, data.Count);
        Assert.Equal([1.5f, 2.5f], data.Features);
        Assert.Equal(["0", "1"], data.Classes!);
    }

    [Fact]
    public void BlankLinesInsideStillCountForLineNumbers()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("gap.csv", "a,y\n1,0\n\nbad,1\n");
        var e = Assert.Throws<DataException>(() => CsvData.Load(path));
        Assert.StartsWith($"{path}, line 4, column 'a'", e.Message);
    }

    [Fact]
    public void QuotedFieldsMayHoldCommasAndQuotes()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("quoted.csv", "\"width, cm\",\"name\"\n\"1.5\",\"Smith, J.\"\n2, \"say \"\"hi\"\"\" \n");
        var data = CsvData.Load(path);
        Assert.Equal([1.5f, 2f], data.Features);
        Assert.Equal(["Smith, J.", "say \"hi\""], data.Classes!);
        Assert.Equal([0, 1], data.Labels!);
    }

    [Fact]
    public void UnclosedQuoteIsAnError()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("open.csv", "a,y\n1,\"oops\n");
        var e = Assert.Throws<DataException>(() => CsvData.Load(path));
        Assert.StartsWith($"{path}, line 2: field 2 opens a quote that is never closed", e.Message);
    }
}

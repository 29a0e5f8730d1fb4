using DistNet.Core.Nn;

namespace DistNet.Core.Tests.Nn;

public class GradientCheckTests
{
    public static TheoryData<Activation, Loss, bool, bool> Cases()
    {
        var data = new TheoryData<Activation, Loss, bool, bool>();
        foreach (var activation in Enum.GetValues<Activation>())
            foreach (var loss in Enum.GetValues<Loss>())
                foreach (var bias in new[] { true, false })
                    foreach (var penalised in new[] { false, true })
                        data.Add(activation, loss, bias, penalised);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backprop_matches_finite_differences(Activation activation, Loss loss, bool bias, bool penalised)
    {
        var architecture = Architecture.Create(5, [4, 3], activation, outputs: 3, loss, bias);
        var penalty = penalised ? new Penalty(0.01, 0.05) : Penalty.None;
        var result = GradientCheck.Run(architecture, penalty, seed: 7);
        Assert.True(result.WorstRelativeError < 1e-3,
            $"parameter {result.WorstParameter}: analytic {result.Analytic}, numeric {result.Numeric}, relative error {result.WorstRelativeError}");
    }

    [Theory]
    [InlineData(Loss.Bce)]
    [InlineData(Loss.Mse)]
    public void Single_output_unit_is_checked_too(Loss loss)
    {
        var architecture = Architecture.Create(3, [], Activation.Sigmoid, outputs: 1, loss);
        var result = GradientCheck.Run(architecture, new Penalty(0.02, 0.1), seed: 3, batch: 6);
        Assert.True(result.WorstRelativeError < 1e-3, $"relative error {result.WorstRelativeError}");
    }

    [Fact]
    public void The_check_notices_a_wrong_gradient()
    {
        // The oracle must be able to fail: a penalty the analytic side does not know about
        // (here: one the reference adds, emulated by checking against a different λ) shows up.
        var architecture = Architecture.Create(3, [2], Activation.Tanh, outputs: 2, Loss.Mse);
        var model = Mlp.Initialize(architecture, 1);
        var inputs = new float[] { 0.5f, -1, 2, 1, 0, -0.5f };
        var targets = new float[] { 1, 0, 0, 1 };
        var gradient = new float[model.Layout.Count];
        new Backprop(architecture).Gradient(model.Parameters, inputs, 2, [], targets, 0.5f, gradient);
        var theta = model.Parameters.Select(p => (double)p).ToArray();
        theta[0] += 1e-6;
        double up = GradientCheck.ReferenceLoss(architecture, new Penalty(0, 1), theta, inputs, 2, [], targets);
        theta[0] -= 2e-6;
        double down = GradientCheck.ReferenceLoss(architecture, new Penalty(0, 1), theta, inputs, 2, [], targets);
        double numeric = (up - down) / 2e-6;
        Assert.True(Math.Abs(numeric - gradient[0]) > 1e-3, "an L2 term missing from backprop must be visible");
    }
}

using System.Management.Automation;

namespace SampleCmdlets
{
    /// <summary>A shared base, as ImapPS's cmdlets share -Session.</summary>
    public abstract class SampleCmdletBase : PSCmdlet
    {
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? Store { get; set; }

        /// <summary>Plumbing hidden with DontShow, as ImapPS's InputSession: help leaves it out.</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public object? HiddenInput { get; set; }
    }

    [Cmdlet(VerbsCommon.Get, "SampleItem", DefaultParameterSetName = "ByName")]
    [OutputType(typeof(string))]
    public sealed class GetSampleItemCommand : SampleCmdletBase
    {
        [Parameter(Position = 0, ParameterSetName = "ByName", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("N")]
        public string[]? Name { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "ById")]
        public int Id { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Not a parameter: public properties without [Parameter] must be ignored.</summary>
        public string NotAParameter { get; set; } = string.Empty;
    }

    [Cmdlet(VerbsCommon.Set, "SampleItem", SupportsShouldProcess = true)]
    public sealed class SetSampleItemCommand : SampleCmdletBase
    {
        [Parameter(Mandatory = true, Position = 0)]
        public string Name { get; set; } = string.Empty;

        [Parameter(ValueFromPipeline = true)]
        public int? Value { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }
    }

    /// <summary>Abstract and attribute-less types are not cmdlets.</summary>
    public abstract class NotACmdlet : Cmdlet
    {
    }
}

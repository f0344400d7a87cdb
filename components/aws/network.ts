/**
 * The VPC the app runs in: an existing one by id, or a small one created with
 * public subnets for the load balancer and private subnets (behind one NAT
 * gateway) for the tasks, spread over `availabilityZones` zones.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { COMPONENT_TYPES } from "../contracts/resourceTypes";
import { childName } from "../naming";
import { childOptions } from "../options";

export interface NetworkArgs {
  /** Existing VPC (an id, or another resource's output); when set, the subnet ids below are used and nothing is created. */
  readonly vpcId?: pulumi.Input<string>;
  readonly publicSubnetIds?: pulumi.Input<string>[];
  readonly privateSubnetIds?: pulumi.Input<string>[];
  /** The existing VPC's CIDR. @default looked up from `vpcId` */
  readonly vpcCidr?: pulumi.Input<string>;
  /** CIDR of a created VPC. The config's default: "10.40.0.0/16". */
  readonly cidrBlock: string;
  /** Zones of a created VPC. The config's default: 2. */
  readonly availabilityZones: number;
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly cidrBlock: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(COMPONENT_TYPES.awsNetwork, name, {}, opts);
    if (args.vpcId !== undefined) {
      this.vpcId = pulumi.output(args.vpcId);
      this.cidrBlock =
        args.vpcCidr !== undefined
          ? pulumi.output(args.vpcCidr)
          : aws.ec2.getVpcOutput({ id: args.vpcId }, { parent: this }).cidrBlock;
      this.publicSubnetIds = pulumi.output(args.publicSubnetIds ?? []);
      this.privateSubnetIds = pulumi.output(args.privateSubnetIds ?? []);
    } else {
      const created = this.createVpc(name, args, opts);
      this.vpcId = created.vpcId;
      this.cidrBlock = pulumi.output(args.cidrBlock);
      this.publicSubnetIds = created.publicSubnetIds;
      this.privateSubnetIds = created.privateSubnetIds;
    }
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }

  private createVpc(name: string, args: NetworkArgs, opts: pulumi.ComponentResourceOptions) {
    const parent = childOptions(this, opts.dependsOn);
    const vpc = new aws.ec2.Vpc(
      childName(name, "vpc"),
      {
        cidrBlock: args.cidrBlock,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { Name: name },
      },
      parent,
    );
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this }).names;
    const igw = new aws.ec2.InternetGateway(childName(name, "igw"), { vpcId: vpc.id }, parent);
    const publicRoutes = new aws.ec2.RouteTable(
      childName(name, "public-rt"),
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
      },
      parent,
    );

    const publicSubnets: aws.ec2.Subnet[] = [];
    const privateSubnets: aws.ec2.Subnet[] = [];
    for (let zone = 0; zone < args.availabilityZones; zone++) {
      publicSubnets.push(
        new aws.ec2.Subnet(
          childName(name, `public-${zone}`),
          {
            vpcId: vpc.id,
            availabilityZone: zones[zone],
            cidrBlock: subnetCidr(args.cidrBlock, zone),
            mapPublicIpOnLaunch: false,
            tags: { Name: `${name}-public-${zone}`, tier: "public" },
          },
          parent,
        ),
      );
      privateSubnets.push(
        new aws.ec2.Subnet(
          childName(name, `private-${zone}`),
          {
            vpcId: vpc.id,
            availabilityZone: zones[zone],
            cidrBlock: subnetCidr(args.cidrBlock, args.availabilityZones + zone),
            tags: { Name: `${name}-private-${zone}`, tier: "private" },
          },
          parent,
        ),
      );
      new aws.ec2.RouteTableAssociation(
        childName(name, `public-${zone}-rta`),
        {
          subnetId: publicSubnets[zone].id,
          routeTableId: publicRoutes.id,
        },
        parent,
      );
    }

    // One NAT gateway: tasks pull images and reach AWS APIs; a NAT per zone is a cost choice left to the VPC owner.
    const natIp = new aws.ec2.Eip(childName(name, "nat-ip"), { domain: "vpc" }, parent);
    const nat = new aws.ec2.NatGateway(
      childName(name, "nat"),
      { subnetId: publicSubnets[0].id, allocationId: natIp.id },
      childOptions(this, [igw]),
    );
    const privateRoutes = new aws.ec2.RouteTable(
      childName(name, "private-rt"),
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
      },
      parent,
    );
    privateSubnets.forEach(
      (subnet, zone) =>
        new aws.ec2.RouteTableAssociation(
          childName(name, `private-${zone}-rta`),
          { subnetId: subnet.id, routeTableId: privateRoutes.id },
          parent,
        ),
    );

    return {
      vpcId: vpc.id,
      publicSubnetIds: pulumi.all(publicSubnets.map((s) => s.id)),
      privateSubnetIds: pulumi.all(privateSubnets.map((s) => s.id)),
    };
  }
}

/** The `index`-th /20-equivalent slice: the VPC's prefix + 4 bits, so up to 16 subnets. */
export function subnetCidr(vpcCidr: string, index: number): string {
  const [address, prefixText] = vpcCidr.split("/");
  const prefix = Number(prefixText);
  const subnetPrefix = prefix + 4;
  if (index < 0 || index >= 16 || subnetPrefix > 28) {
    throw new Error(`cannot carve subnet ${index} out of ${vpcCidr}: use a /16 to /24 VPC and at most 8 zones`);
  }
  const base = address.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const start = base + index * 2 ** (32 - subnetPrefix);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256);
  return `${octets.join(".")}/${subnetPrefix}`;
}

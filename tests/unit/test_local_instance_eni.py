"""Rule instance_primary_eni: terminating an instance releases its launch ENI."""
from apigw_kit.local.rules import instance_primary_eni


def test_terminated_instance_releases_its_primary_interface(client):
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet,
                                 SecurityGroupIds=[group])["Instances"][0]["InstanceId"]
    in_subnet = [{"Name": "subnet-id", "Values": [subnet]}]
    assert [e["Description"] for e in ec2.describe_network_interfaces(Filters=in_subnet)["NetworkInterfaces"]] == [
        instance_primary_eni.CREATED_AT_LAUNCH]

    ec2.terminate_instances(InstanceIds=[instance])

    assert ec2.describe_network_interfaces(Filters=in_subnet)["NetworkInterfaces"] == []
    ec2.delete_security_group(GroupId=group)  # no DependencyViolation once the ENI is gone
    ec2.delete_subnet(SubnetId=subnet)

/// API server JSON as `kubectl get -o json` shows it (managedFields trimmed, everything else as
/// sent, unknown fields included on purpose).
enum Fixtures {
    static let serviceList = #"""
        {
          "kind": "ServiceList",
          "apiVersion": "v1",
          "metadata": {"resourceVersion": "48213"},
          "items": [
            {
              "metadata": {
                "name": "web", "namespace": "shop", "uid": "8f7c1d2e-1b3a-4c5d-9e6f-0a1b2c3d4e5f",
                "resourceVersion": "48100", "creationTimestamp": "2026-11-30T09:12:44Z",
                "labels": {"app": "web"},
                "annotations": {"ipvsctl-swift.io/scheduler": "mh", "ipvsctl-swift.io/scheduler-flags": "mh-fallback,mh-port"}
              },
              "spec": {
                "ports": [
                  {"name": "http", "protocol": "TCP", "port": 80, "targetPort": "http", "nodePort": 30080},
                  {"name": "https", "protocol": "TCP", "port": 443, "targetPort": 8443, "nodePort": 30443}
                ],
                "selector": {"app": "web"},
                "clusterIP": "10.96.12.34",
                "clusterIPs": ["10.96.12.34", "fd00:10:96::1234"],
                "type": "LoadBalancer",
                "sessionAffinity": "ClientIP",
                "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 600}},
                "externalTrafficPolicy": "Local",
                "healthCheckNodePort": 32000,
                "ipFamilies": ["IPv4", "IPv6"],
                "ipFamilyPolicy": "PreferDualStack",
                "allocateLoadBalancerNodePorts": true,
                "internalTrafficPolicy": "Cluster",
                "trafficDistribution": "PreferClose"
              },
              "status": {
                "loadBalancer": {
                  "ingress": [
                    {"ip": "203.0.113.10", "ipMode": "VIP"},
                    {"ip": "203.0.113.11", "ipMode": "Proxy"},
                    {"hostname": "lb.example.com"}
                  ]
                },
                "conditions": []
              }
            },
            {
              "metadata": {"name": "db", "namespace": "shop", "resourceVersion": "48101"},
              "spec": {"clusterIP": "None", "clusterIPs": ["None"], "ports": [{"port": 5432, "protocol": "TCP", "targetPort": 5432}]}
            },
            {
              "metadata": {"name": "upstream", "namespace": "shop", "resourceVersion": "48102"},
              "spec": {"type": "ExternalName", "externalName": "api.example.com", "sessionAffinity": "None"}
            },
            {
              "metadata": {"name": "dns", "namespace": "kube-system", "resourceVersion": "48103"},
              "spec": {
                "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "type": "ClusterIP",
                "externalIPs": ["198.51.100.53"],
                "ports": [
                  {"name": "dns", "protocol": "UDP", "port": 53, "targetPort": 53},
                  {"name": "dns-tcp", "protocol": "TCP", "port": 53, "targetPort": 53}
                ],
                "sessionAffinity": "None", "internalTrafficPolicy": "Local", "externalTrafficPolicy": "Cluster"
              }
            }
          ]
        }
        """#

    static let sliceList = #"""
        {
          "kind": "EndpointSliceList",
          "apiVersion": "discovery.k8s.io/v1",
          "metadata": {"resourceVersion": "48300"},
          "items": [
            {
              "metadata": {
                "name": "web-abc12", "namespace": "shop", "generateName": "web-",
                "labels": {"kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"},
                "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": "web", "uid": "8f7c1d2e"}]
              },
              "addressType": "IPv4",
              "endpoints": [
                {
                  "addresses": ["10.244.1.5"],
                  "conditions": {"ready": true, "serving": true, "terminating": false},
                  "nodeName": "node-a", "zone": "zone-1",
                  "targetRef": {"kind": "Pod", "namespace": "shop", "name": "web-7d9f-x1", "uid": "a1"},
                  "hints": {"forZones": [{"name": "zone-1"}], "forNodes": [{"name": "node-a"}]}
                },
                {
                  "addresses": ["10.244.2.7"],
                  "conditions": {"ready": false, "serving": true, "terminating": true},
                  "nodeName": "node-b", "zone": "zone-2"
                }
              ],
              "ports": [
                {"name": "http", "protocol": "TCP", "port": 8080},
                {"name": "https", "protocol": "TCP", "port": 8443}
              ]
            },
            {
              "metadata": {"name": "web-v6", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}},
              "addressType": "IPv6",
              "endpoints": [{"addresses": ["fd00:10:244:1::5"], "conditions": {}, "nodeName": "node-a"}],
              "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]
            },
            {
              "metadata": {"name": "web-fqdn", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}},
              "addressType": "FQDN",
              "endpoints": [{"addresses": ["web.example.com"]}],
              "ports": [{"name": "http", "protocol": "TCP", "port": 80}]
            },
            {
              "metadata": {"name": "dns-x", "namespace": "kube-system", "labels": {"kubernetes.io/service-name": "dns"}},
              "addressType": "IPv4",
              "endpoints": [
                {"addresses": ["10.244.1.2"], "conditions": {"ready": true}, "nodeName": "node-a"},
                {"addresses": ["10.244.2.2"], "conditions": {"ready": true}, "nodeName": "node-b"}
              ],
              "ports": [{"name": "dns", "protocol": "UDP", "port": 53}, {"name": "dns-tcp", "protocol": "TCP", "port": 53}]
            }
          ]
        }
        """#

    static let node = #"""
        {
          "kind": "Node",
          "apiVersion": "v1",
          "metadata": {
            "name": "node-a", "resourceVersion": "47000",
            "labels": {"kubernetes.io/hostname": "node-a", "topology.kubernetes.io/zone": "zone-1", "topology.kubernetes.io/region": "r1"}
          },
          "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24", "fd00:10:244:1::/64"], "providerID": "metal://node-a"},
          "status": {
            "addresses": [
              {"type": "InternalIP", "address": "192.0.2.21"},
              {"type": "InternalIP", "address": "2001:db8::21"},
              {"type": "ExternalIP", "address": "203.0.113.21"},
              {"type": "Hostname", "address": "node-a"}
            ],
            "capacity": {"cpu": "8"},
            "nodeInfo": {"kubeProxyVersion": "v1.34.0"}
          }
        }
        """#
}
